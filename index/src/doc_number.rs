//! 文号 and 索引号 keys: defined in `gongkai-document` (they are also a
//! document's identity) and re-exported here for lookups.

pub use gongkai_document::keys::{
    doc_number_key, index_number_key, stored_doc_number_key, stored_index_number_key,
};
