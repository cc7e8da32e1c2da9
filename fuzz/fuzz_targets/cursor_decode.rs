//! The cursor decoder takes whatever a client puts in `cursor=`. It must never panic, must refuse
//! anything it did not sign, and what it accepts must be what was signed.
#![no_main]

use bantin::http::page::{CursorKey, CursorPos};
use libfuzzer_sys::fuzz_target;

const LIST: &str = "articles";
const SORT: &str = "-published_at";

fuzz_target!(|data: &[u8]| {
    let key = CursorKey::derive(b"fuzzing secret");
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        // Raw text: nothing a client makes up without the key is a cursor.
        if let Ok(raw) = std::str::from_utf8(rest) {
            assert!(CursorPos::decode(raw, &key, LIST, SORT).is_err());
        }
        return;
    }
    // A payload that carries a valid signature: only the JSON inside is left to trust.
    let raw = key.seal(LIST, rest);
    let Ok(pos) = CursorPos::decode(&raw, &key, LIST, SORT) else {
        return;
    };
    assert_eq!(pos.sort, SORT);
    let expected: CursorPos = serde_json::from_slice(rest).expect("decoded from this payload");
    assert_eq!(pos, expected);
    // Another list, or another key, never accepts it.
    assert!(CursorPos::decode(&raw, &key, "meetings", SORT).is_err());
    let other = CursorKey::derive(b"another secret");
    assert!(CursorPos::decode(&raw, &other, LIST, SORT).is_err());
    // And what the server encodes from it decodes to the same place.
    let again = CursorPos::decode(&pos.encode(&key, LIST), &key, LIST, SORT).expect("round trip");
    assert_eq!(again, pos);
});
