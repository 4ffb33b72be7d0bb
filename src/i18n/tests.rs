//! The translations' own checks.

use super::*;

#[test]
fn the_contract_names_are_translated_as_ui_md_says() {
    assert_eq!(t(Language::En, Key::SavePreferences), "Save preferences");
    assert_eq!(
        t(Language::Es, Key::SavePreferences),
        "Guardar preferencias"
    );
    assert_eq!(t(Language::En, Key::EndSession), "End session");
    assert_eq!(t(Language::Es, Key::EndSession), "Terminar sesión");
    assert_eq!(t(Language::En, Key::Previous), "Previous");
    assert_eq!(t(Language::En, Key::Next), "Next");
    for (key, en, es) in [
        (Key::CreateAccount, "Create account", "Crear cuenta"),
        (Key::SignIn, "Sign in", "Iniciar sesión"),
        (
            Key::SignInWithEthereum,
            "Sign in with Ethereum",
            "Iniciar sesión con Ethereum",
        ),
        (Key::LinkWallet, "Link wallet", "Vincular monedero"),
        (Key::UnlinkWallet, "Unlink wallet", "Desvincular monedero"),
        (Key::Email, "Email", "Correo electrónico"),
        (Key::Password, "Password", "Contraseña"),
        (Key::DisplayName, "Display name", "Nombre visible"),
        (Key::SignOut, "Sign out", "Cerrar sesión"),
        (Key::SaveConsent, "Save consent", "Guardar consentimiento"),
        (Key::DownloadData, "Download my data", "Descargar mis datos"),
        (
            Key::DeleteAccount,
            "Delete my account",
            "Eliminar mi cuenta",
        ),
        (Key::ConsentAnalytics, "Analytics", "Analítica"),
        (Key::ConsentMarketing, "Marketing", "Marketing"),
        (
            Key::SignOutOthers,
            "Sign out all other devices",
            "Cerrar sesión en todos los demás dispositivos",
        ),
    ] {
        assert_eq!(t(Language::En, key), en);
        assert_eq!(t(Language::Es, key), es);
    }
}

#[test]
fn no_translation_is_empty() {
    use Key::*;
    for key in [
        NavLabel,
        HomeTitle,
        PrefsIntro,
        SessionEndedNewStarted,
        NoSession,
        Failed,
        NotFoundText,
    ] {
        for lang in crate::model::Language::ALL {
            assert!(!t(lang, key).is_empty(), "{key:?} in {lang:?}");
        }
    }
}
