//! Account input, parsed into types that are valid by construction: an [`Email`] is
//! normalised and well-formed, a [`Password`] has an allowed length, and so on. Each
//! operation's input (`crate::model`) becomes one of these by `TryFrom`, naming the field
//! at fault.

use crate::domain::{required, Error, Result};
use crate::model::{LoginInput, PasswordChangeInput, PasswordInput, RegisterInput};

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;
pub const MAX_EMAIL: usize = 254;
pub const MAX_DISPLAY_NAME: usize = 100;

/// A trimmed, lower-cased, well-formed email of at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and lower-cases an email and checks its shape: one `@`, a local part of at most
    /// 64 characters, a domain of dot-separated labels, no spaces or control characters.
    pub fn parse(raw: &str) -> Result<Email> {
        let email = normalise_email(raw);
        let bad = |m: &str| Err(Error::invalid("email", m));
        if email.is_empty() {
            return bad("email is required");
        }
        if email.chars().count() > MAX_EMAIL {
            return bad("email must be at most 254 characters");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return bad("email must look like name@example.com");
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let valid = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\\\"".contains(c))
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if valid {
            Ok(Email(email))
        } else {
            bad("email must look like name@example.com")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an email is compared: trimmed and lower-cased (also for sign-in attempts with a
/// malformed one, which are answered like any unknown email).
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A new password: 8 to 128 characters (any characters; no other rule, per NIST).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// `field` names the input it came from (`password`, `newPassword`).
    pub fn parse(field: &str, raw: String) -> Result<Password> {
        let n = raw.chars().count();
        if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
            return Err(Error::invalid(
                field,
                format!("{field} must have {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
            ));
        }
        Ok(Password(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// A password is never printed.
impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Empty (after trimming) means none.
    pub fn parse(raw: Option<&str>) -> Result<Option<DisplayName>> {
        let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        if name.chars().count() > MAX_DISPLAY_NAME {
            return Err(Error::invalid(
                "displayName",
                "displayName must be at most 100 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "displayName",
                "displayName may not contain control characters",
            ));
        }
        Ok(Some(DisplayName(name.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registration, valid.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub display_name: Option<DisplayName>,
}

impl TryFrom<RegisterInput> for Registration {
    type Error = Error;
    fn try_from(input: RegisterInput) -> Result<Self> {
        Ok(Registration {
            email: Email::parse(&required("email", input.email)?)?,
            password: Password::parse("password", required("password", input.password)?)?,
            display_name: DisplayName::parse(input.display_name.as_deref())?,
        })
    }
}

/// What a sign-in presents. The email is only normalised: a malformed one cannot have an
/// account, and is answered as any unknown one, after the same work.
#[derive(Debug)]
pub struct Credentials {
    pub email: String,
    pub password: Secret,
}

impl TryFrom<LoginInput> for Credentials {
    type Error = Error;
    fn try_from(input: LoginInput) -> Result<Self> {
        Ok(Credentials {
            email: normalise_email(&required("email", input.email)?),
            password: Secret(required("password", input.password)?),
        })
    }
}

/// A password typed to prove who one is (checked against a hash, never stored).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// The password of an input where it may be left out (erasure: an account made by a
    /// wallet has none to give).
    pub fn optional(input: PasswordInput) -> Option<Secret> {
        input.password.map(Secret)
    }
}

impl TryFrom<PasswordInput> for Secret {
    type Error = Error;
    fn try_from(input: PasswordInput) -> Result<Self> {
        Ok(Secret(required("password", input.password)?))
    }
}

/// A password change. The new password is checked here, first, so a mistyped one neither
/// costs a throttle attempt nor changes anything.
#[derive(Debug)]
pub struct PasswordChange {
    pub current: Secret,
    pub new: Password,
}

impl TryFrom<PasswordChangeInput> for PasswordChange {
    type Error = Error;
    fn try_from(input: PasswordChangeInput) -> Result<Self> {
        let current = Secret(required("currentPassword", input.current_password)?);
        let new = Password::parse("newPassword", required("newPassword", input.new_password)?)?;
        Ok(PasswordChange { current, new })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize_email(raw: &str) -> Result<String> {
        Email::parse(raw).map(|e| e.0)
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert_eq!(
            normalize_email("a.b+tag@sub.example.org").unwrap(),
            "a.b+tag@sub.example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "an n@example.com",
            "ann@exa mple.com",
            "ann@.example.com",
            "ann@example..com",
            ".ann@example.com",
            "ann@-example.com",
        ] {
            match normalize_email(bad) {
                Err(Error::Validation { field: Some(f), .. }) => assert_eq!(f, "email", "{bad}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert_eq!(long.len(), 255);
        assert!(normalize_email(&long).is_err());
        let longest = format!("{}@{}.com", "a".repeat(64), "b".repeat(185));
        assert_eq!(longest.len(), 254);
        assert!(normalize_email(&longest).is_ok());
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        let validate_password = |field: &str, p: &str| Password::parse(field, p.to_string());
        assert!(validate_password("password", "1234567").is_err());
        assert!(validate_password("password", "12345678").is_ok());
        assert!(validate_password("password", &"é".repeat(128)).is_ok());
        assert!(validate_password("password", &"x".repeat(129)).is_err());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        let normalize_display_name =
            |raw: Option<&str>| DisplayName::parse(raw).map(|n| n.map(|n| n.0));
        assert_eq!(
            normalize_display_name(Some("  Ann ")).unwrap().as_deref(),
            Some("Ann")
        );
        assert_eq!(normalize_display_name(Some("   ")).unwrap(), None);
        assert_eq!(normalize_display_name(None).unwrap(), None);
        assert!(normalize_display_name(Some(&"x".repeat(101))).is_err());
        assert!(normalize_display_name(Some("a\u{0}b")).is_err());
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = Registration::try_from(RegisterInput {
            email: Some("a@example.com".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, Error::Validation { field: Some(f), .. } if f == "password"));
        let err = PasswordChange::try_from(PasswordChangeInput {
            current_password: Some("x".into()),
            new_password: Some("short".into()),
        })
        .unwrap_err();
        assert!(matches!(err, Error::Validation { field: Some(f), .. } if f == "newPassword"));
    }
}
