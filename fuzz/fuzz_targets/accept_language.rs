//! The `Accept-Language` header (`negotiate_language`) and a language as the API takes it
//! (`Language::parse`), from the same text.
//!
//! Properties of the negotiation: a language other than the default is one the header
//! names; an entry the server does not speak changes nothing; and a supported language put
//! first with no weight (q=1, the highest a weight can be) always wins.
#![no_main]

use libfuzzer_sys::fuzz_target;
use squid::domain::preferences::negotiate_language;
use squid::model::Language;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };

    let chosen = negotiate_language(header);
    if chosen != Language::default() {
        let named = header.split(',').any(|part| {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            primary.eq_ignore_ascii_case(chosen.code())
        });
        assert!(named, "{header:?} gave {chosen:?}, which it does not name");
    }
    assert_eq!(
        negotiate_language(&format!("{header},ja")),
        chosen,
        "an unsupported entry changed the choice"
    );
    for first in Language::ALL {
        assert_eq!(
            negotiate_language(&format!("{},{header}", first.code())),
            first,
            "{first:?} first with q=1 did not win over {header:?}"
        );
    }

    match Language::parse(header) {
        Some(language) => {
            let given = header.trim();
            assert!(
                given.eq_ignore_ascii_case(language.code())
                    || given.eq_ignore_ascii_case(language.english_name()),
                "{header:?} read as {language:?}"
            );
        }
        None => assert!(Language::ALL
            .into_iter()
            .all(|l| !header.trim().eq_ignore_ascii_case(l.code()))),
    }
    assert_eq!(
        Language::parse(&header.to_ascii_uppercase()),
        Language::parse(header)
    );
});
