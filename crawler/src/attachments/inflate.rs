//! A cap on the bytes inflated from a ZIP member.
//!
//! A few kilobytes of DEFLATE can stand for gigabytes (a "zip bomb"), and
//! what a ZIP's central directory says about a member's size is just another
//! number from the file. Readers of DOCX and XLSX stream every member
//! through [`Inflated`], which fails once the member (or the whole file's
//! budget) has given more bytes than allowed, so no parse ever holds more
//! than the cap.

use std::io::{self, Read};

/// Reads at most `budget` bytes from `inner`; one byte more is an error,
/// never a silent truncation. The budget is shared by reference so that
/// several members of one file draw from one total.
pub(super) struct Inflated<'b, R> {
    inner: R,
    budget: &'b mut u64,
    cap: u64,
}

impl<'b, R: Read> Inflated<'b, R> {
    pub(super) fn new(inner: R, budget: &'b mut u64) -> Self {
        let cap = *budget;
        Inflated { inner, budget, cap }
    }
}

impl<R: Read> Read for Inflated<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if *self.budget == 0 {
            // At the cap: the member is fine only if it ends here.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "inflates to more than {} bytes",
                    self.cap
                ))),
            };
        }
        let room = usize::try_from(*self.budget).unwrap_or(usize::MAX);
        let n = buf.len().min(room);
        let got = self.inner.read(&mut buf[..n])?;
        *self.budget -= got as u64;
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_past_the_budget_is_an_error() {
        let data = vec![7u8; 1000];
        let mut budget = 999;
        let mut out = Vec::new();
        let err = Inflated::new(data.as_slice(), &mut budget)
            .read_to_end(&mut out)
            .expect_err("over the cap");
        assert!(err.to_string().contains("more than 999 bytes"), "{err}");
        assert_eq!(out.len(), 999);

        // Exactly at the cap is fine, and the shared budget is spent.
        let mut budget = 1500;
        let mut out = Vec::new();
        Inflated::new(data.as_slice(), &mut budget)
            .read_to_end(&mut out)
            .expect("within the cap");
        assert_eq!((out.len(), budget), (1000, 500));
        let mut rest = Vec::new();
        assert!(
            Inflated::new(data.as_slice(), &mut budget)
                .read_to_end(&mut rest)
                .is_err()
        );
    }
}
