//! The JSON bodies: `web::api::extract::parse` into one of the input types of
//! `model::input` (picked by the first byte: `'0'`..`'8'`, or any byte modulo 9), then the
//! domain's validation of that input, as a route does, where it needs no database.
//!
//! Properties: an accepted body was one JSON object and the input reads back from its
//! own serialization; a refused one is `400` with a field exactly when it is
//! `validation_failed`; a validated input keeps the rules it promises (lengths,
//! normalisation, known values), and a refused one names one of its own fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use squid::domain::accounts::validate::{
    normalise_email, Credentials, Email, PasswordChange, Registration, Secret, MAX_DISPLAY_NAME,
    MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD,
};
use squid::domain::consent::Choices;
use squid::domain::preferences::PreferencesPatch;
use squid::domain::tracking::{
    ActionDetails, Label, NewAction, MAX_DETAILS_BYTES, MAX_LABEL_CHARS,
};
use squid::domain::Error;
use squid::error::{ApiError, ErrorCode};
use squid::model::{
    ActionInput, ConsentFormInput, ConsentInput, ConsentType, Language, LoginInput, PageInput,
    PasswordChangeInput, PasswordInput, PreferencesInput, RegisterInput,
};
use squid::web::api::extract::parse;
use std::fmt::Debug;

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let which = match first {
        b'0'..=b'8' => first - b'0',
        other => other % 9,
    };
    match which {
        0 => read(body, register),
        1 => read(body, login),
        2 => read(body, password_change),
        3 => read(body, password),
        4 => read(body, preferences),
        5 => read(body, page),
        6 => read(body, action),
        7 => read(body, consent),
        _ => read(body, consent_form),
    }
});

/// `parse::<T>` and what holds of its answer; an accepted input goes on to `validate`.
fn read<T>(body: &[u8], validate: fn(T))
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    match parse::<T>(body) {
        Ok(input) => {
            let value: Value =
                serde_json::from_slice(body).expect("parse accepted what is not JSON");
            assert!(value.is_object(), "parse accepted a non-object: {value}");
            let again = serde_json::to_vec(&input).expect("an input serializes");
            match parse::<T>(&again) {
                Ok(back) => assert_eq!(back, input, "changed by a round trip"),
                Err(e) => panic!("refused its own serialization {again:?}: {e:?}"),
            }
            validate(input);
        }
        Err(e) => match e.code {
            ErrorCode::ValidationFailed => assert!(e.field.is_some(), "{e:?}"),
            ErrorCode::BadRequest => assert_eq!(e.field, None, "{e:?}"),
            _ => panic!("parse answered {e:?}"),
        },
    }
}

/// A refused input: a validation error naming one of `fields` (or none, where `unnamed`),
/// which the API answers as `400 validation_failed` with that field.
fn refused(e: Error, fields: &[&str], unnamed: bool) -> Option<String> {
    let Error::Validation { field, .. } = &e else {
        panic!("validation answered {e:?}");
    };
    let field = field.clone();
    match &field {
        Some(f) => assert!(fields.contains(&f.as_str()), "named {f:?}"),
        None => assert!(unnamed, "named no field"),
    }
    let api = ApiError::from(e);
    assert_eq!(
        (api.code, &api.field),
        (ErrorCode::ValidationFailed, &field)
    );
    field
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn register(input: RegisterInput) {
    match Registration::try_from(input.clone()) {
        Ok(r) => {
            let email = r.email.as_str();
            assert_eq!(email, normalise_email(input.email.as_deref().unwrap()));
            assert!(
                chars(email) <= MAX_EMAIL && email.matches('@').count() == 1,
                "{email:?}"
            );
            assert_eq!(Email::parse(email).unwrap(), r.email, "not idempotent");
            let password = r.password.as_str();
            assert_eq!(Some(password), input.password.as_deref());
            assert!((MIN_PASSWORD..=MAX_PASSWORD).contains(&chars(password)));
            if let Some(name) = &r.display_name {
                let name = name.as_str();
                assert_eq!(Some(name), input.display_name.as_deref().map(str::trim));
                assert!((1..=MAX_DISPLAY_NAME).contains(&chars(name)), "{name:?}");
                assert!(!name.chars().any(char::is_control), "{name:?}");
            } else if let Some(name) = &input.display_name {
                assert!(name.trim().is_empty(), "lost the display name {name:?}");
            }
        }
        Err(e) => {
            refused(e, &["email", "password", "displayName"], false);
        }
    }
}

fn login(input: LoginInput) {
    match Credentials::try_from(input.clone()) {
        Ok(c) => {
            assert_eq!(c.email, normalise_email(input.email.as_deref().unwrap()));
            assert_eq!(Some(c.password.0), input.password);
        }
        Err(e) => {
            // Only a missing field is refused: a malformed email is answered as unknown.
            let field = refused(e, &["email", "password"], false).unwrap();
            let missing = match field.as_str() {
                "email" => input.email.is_none(),
                _ => input.email.is_some() && input.password.is_none(),
            };
            assert!(missing, "refused {input:?} for {field}");
        }
    }
}

fn password_change(input: PasswordChangeInput) {
    match PasswordChange::try_from(input.clone()) {
        Ok(c) => {
            assert_eq!(Some(c.current.0), input.current_password);
            let new = c.new.as_str();
            assert_eq!(Some(new), input.new_password.as_deref());
            assert!((MIN_PASSWORD..=MAX_PASSWORD).contains(&chars(new)));
        }
        Err(e) => {
            refused(e, &["currentPassword", "newPassword"], false);
        }
    }
}

fn password(input: PasswordInput) {
    match Secret::try_from(input.clone()) {
        Ok(s) => assert_eq!(Some(s.0), input.password),
        Err(e) => {
            refused(e, &["password"], false);
            assert_eq!(input.password, None);
        }
    }
}

fn preferences(input: PreferencesInput) {
    let same = |given: &Option<String>, parsed: Option<&str>| match (given, parsed) {
        (None, None) => {}
        (Some(g), Some(p)) => assert!(g.trim().eq_ignore_ascii_case(p), "{g:?} read as {p:?}"),
        other => panic!("{other:?}"),
    };
    match PreferencesPatch::try_from(input.clone()) {
        Ok(patch) => {
            assert_ne!(patch, PreferencesPatch::default());
            same(&input.theme, patch.theme.map(|t| t.as_str()));
            same(
                &input.notifications,
                patch.notifications.map(|n| n.as_str()),
            );
            if let Some(given) = &input.language {
                assert_eq!(Language::parse(given), patch.language);
            }
            assert_eq!(input.language.is_some(), patch.language.is_some());
        }
        Err(e) => {
            let field = refused(e, &["theme", "notifications", "language"], true);
            let empty = input == PreferencesInput::default();
            assert_eq!(field.is_none(), empty, "{input:?}");
        }
    }
}

fn label(given: &Option<String>, label: &Label) {
    let text = label.as_str();
    assert_eq!(Some(text), given.as_deref());
    assert!(!text.trim().is_empty() && chars(text) <= MAX_LABEL_CHARS);
}

fn page(input: PageInput) {
    match Label::try_from(input.clone()) {
        Ok(l) => label(&input.page, &l),
        Err(e) => {
            refused(e, &["page"], false);
        }
    }
}

fn action(input: ActionInput) {
    let details_ok = match &input.details {
        None | Some(Value::Null) => true,
        Some(Value::Object(map)) => serde_json::to_string(map).unwrap().len() <= MAX_DETAILS_BYTES,
        Some(_) => false,
    };
    assert_eq!(
        ActionDetails::parse(input.details.clone()).is_ok(),
        details_ok
    );
    match NewAction::try_from(input.clone()) {
        Ok(a) => {
            label(&input.action, &a.action);
            assert!(details_ok);
        }
        Err(e) => {
            if refused(e, &["action", "details"], false).as_deref() == Some("details") {
                assert!(!details_ok && Label::parse("action", input.action).is_ok());
            }
        }
    }
}

fn consent(input: ConsentInput) {
    match Choices::try_from(input.clone()) {
        Ok(Choices(choices)) => {
            let [(kind, granted)] = choices[..] else {
                panic!("one choice became {choices:?}");
            };
            assert_eq!(Some(kind.as_str()), input.kind.as_deref());
            assert_eq!(Some(granted), input.granted);
        }
        Err(e) => {
            refused(e, &["type", "granted"], false);
        }
    }
}

fn consent_form(input: ConsentFormInput) {
    let Choices(choices) = Choices::from(input.clone());
    assert_eq!(
        choices,
        [
            (ConsentType::Analytics, input.analytics.is_some()),
            (ConsentType::Marketing, input.marketing.is_some()),
        ]
    );
}
