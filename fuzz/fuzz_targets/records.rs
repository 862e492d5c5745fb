//! Feeds arbitrary bytes to the source stage: shape detection, the
//! splitter, decompression and the record parser must never panic, and the
//! report must stay consistent with the records handed out.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trailgrant::source::{scan_bytes, Prefilter};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a prefilter, so both the skip path and the
    // parse path are explored.
    let prefilter = match data.first() {
        Some(byte) if byte % 2 == 1 => Prefilter::any_of(["Denied"]),
        _ => Prefilter::default(),
    };
    let mut calls = 0;
    let mut last_index = None;
    let report = scan_bytes("fuzz", data, &prefilter, |_, origin| {
        assert!(
            last_index < Some(origin.index),
            "indexes rise within a stream"
        );
        last_index = Some(origin.index);
        calls += 1;
    });
    assert_eq!(report.parsed, calls);
    assert!(report.parsed <= report.records);
    for problem in &report.problems {
        assert!(
            !problem.message.contains('\n'),
            "one-line message: {problem}"
        );
    }
});
