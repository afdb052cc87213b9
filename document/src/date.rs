//! Publication dates as portals write them, and the one form gongkai keeps.

use time::{Date, Month};

/// Parses the date formats portals use: `2020-01-05`, `2020/1/5`,
/// `2020.01.05`, `2020年1月5日`, optionally followed by a time, and
/// `20200105`.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let mut numbers = [0u32; 3];
    let mut count = 0;
    let mut current: Option<u32> = None;
    let mut digits = 0;
    for c in text.chars() {
        let d = c.to_digit(10).or_else(|| {
            // full-width digits
            let cp = c as u32;
            (0xFF10..=0xFF19).contains(&cp).then(|| cp - 0xFF10)
        });
        match d {
            Some(d) => {
                digits += 1;
                if digits > 8 {
                    return None;
                }
                current = Some(current.unwrap_or(0) * 10 + d);
            }
            None => {
                if let Some(n) = current.take() {
                    if count == 3 {
                        break;
                    }
                    numbers[count] = n;
                    count += 1;
                    digits = 0;
                }
                if count == 3 {
                    break;
                }
                if !matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | ' ' | '－' | '／') {
                    return None;
                }
            }
        }
    }
    if let Some(n) = current
        && count < 3
    {
        if count == 0 && digits == 8 {
            numbers = [n / 10000, n / 100 % 100, n % 100];
            count = 3;
        } else {
            numbers[count] = n;
            count += 1;
        }
    }
    if count != 3 || !(1900..=2200).contains(&numbers[0]) {
        return None;
    }
    let month = Month::try_from(u8::try_from(numbers[1]).ok()?).ok()?;
    Date::from_calendar_date(numbers[0] as i32, month, u8::try_from(numbers[2]).ok()?).ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_portal_formats_parse() {
        for text in [
            "2020-01-05",
            "2020/1/5",
            "2020.01.05",
            "2020年1月5日",
            "2020年01月05日",
            "2020-01-05 10:20",
            "2020-01-05T10:20:00+08:00",
            "20200105",
            "２０２０-０１-０５",
        ] {
            let date = parse_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(format_date(date), "2020-01-05", "{text}");
        }
    }

    #[test]
    fn bad_dates_are_rejected() {
        for text in [
            "",
            "2020",
            "2020-13-01",
            "2020-02-30",
            "昨天",
            "0020-01-01",
            "99999999999",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}
