//! Feeds arbitrary text to the errorMessage parser and to the denial
//! classifier: neither may panic, and what the parser reports must be text
//! the message really contains.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trailgrant::denial::{classify, parse_message, MessageForm};
use trailgrant::record::Record;

/// Error codes the classifier treats differently, picked by the first byte.
const CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "VpceAccessDenied",
    "KMSAccessDenied",
    "ThrottlingException",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (parsed, form) = parse_message(text);
    for field in [&parsed.principal, &parsed.action, &parsed.resource, &parsed.policy_arn]
        .into_iter()
        .flatten()
    {
        assert!(text.contains(field.as_str()), "{field:?} is not in the message");
    }
    if form == MessageForm::Missing {
        assert!(text.trim().is_empty());
    }

    let code = CODES[usize::from(selector) % CODES.len()];
    let web_identity = selector & 0x80 != 0;
    let record = Record {
        error_code: Some(code.to_owned()),
        error_message: (selector & 0x40 == 0).then(|| text.to_owned()),
        event_source: Some(if web_identity { "sts.amazonaws.com" } else { "s3.amazonaws.com" }.to_owned()),
        event_name: Some(if web_identity { "AssumeRoleWithWebIdentity" } else { "GetObject" }.to_owned()),
        ..Record::default()
    };
    if let Some(denial) = classify(&record) {
        assert_eq!(denial.code, code);
        assert_eq!(denial.explicit, denial.message.explicit);
    }
});
