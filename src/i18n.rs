//! Every string the pages show, in English, Spanish, French and German.
//!
//! A [`Key`] names a string; [`t`] picks the visitor's language. Keeping all four
//! translations on one line per key makes a missing one impossible (the array has four
//! slots) and a review easy.

use crate::model::Language;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    NavLabel,
    NavHome,
    NavPreferences,
    NavSession,
    HomeTitle,
    HomeApplied,
    HomeThemeIs,
    HomeLanguageIs,
    HomeGoPreferences,
    HomeGoSession,
    PrefsTitle,
    PrefsIntro,
    Theme,
    ThemeLight,
    ThemeDark,
    Notifications,
    NotificationsEnabled,
    NotificationsDisabled,
    Language,
    SavePreferences,
    PreferencesSaved,
    PreferencesFailed,
    SessionTitle,
    Started,
    Duration,
    LastActivity,
    Expires,
    SessionId,
    PagesVisited,
    NoPages,
    Previous,
    Next,
    PageOf,
    Actions,
    NoActions,
    EndSession,
    SessionEnded,
    SessionEndedNewStarted,
    NoSession,
    Loading,
    NotFoundTitle,
    NotFoundText,
    Failed,
    NavSignIn,
    NavRegister,
    NavDevices,
    SignOut,
    SignedInAs,
    SignedOut,
    RegisterTitle,
    RegisterIntro,
    Email,
    Password,
    PasswordHint,
    DisplayName,
    Optional,
    CreateAccount,
    HaveAccount,
    LoginTitle,
    SignIn,
    NoAccount,
    ErrInvalidCredentials,
    ErrEmailTaken,
    ErrInvalidInput,
    ErrRateLimited,
    ErrReauth,
    DevicesTitle,
    DevicesIntro,
    Device,
    Place,
    ThisDevice,
    SignOutOthers,
    DeviceSignedOut,
    OthersSignedOut,
    ConfirmPassword,
    Reauthenticated,
    Unknown,
    NoDevices,
    Hello,
    ChangePassword,
    CurrentPassword,
    NewPassword,
    PasswordChanged,
    ErrWrongPassword,
}

/// The text for `key` in `lang`.
pub fn t(lang: Language, key: Key) -> &'static str {
    let [en, es, fr, de] = texts(key);
    match lang {
        Language::En => en,
        Language::Es => es,
        Language::Fr => fr,
        Language::De => de,
    }
}

fn texts(key: Key) -> [&'static str; 4] {
    use Key::*;
    match key {
        NavLabel => ["Main", "Principal", "Principale", "Hauptmenü"],
        NavHome => ["Home", "Inicio", "Accueil", "Startseite"],
        NavPreferences => ["Preferences", "Preferencias", "Préférences", "Einstellungen"],
        NavSession => ["Session", "Sesión", "Session", "Sitzung"],
        HomeTitle => ["Welcome to Squid", "Bienvenido a Squid", "Bienvenue sur Squid", "Willkommen bei Squid"],
        HomeApplied => [
            "Your preferences are applied to every page, straight from the server.",
            "Tus preferencias se aplican a cada página, directamente desde el servidor.",
            "Vos préférences s’appliquent à chaque page, dès le serveur.",
            "Deine Einstellungen gelten für jede Seite, direkt vom Server.",
        ],
        HomeThemeIs => ["Theme", "Tema", "Thème", "Design"],
        HomeLanguageIs => ["Language", "Idioma", "Langue", "Sprache"],
        HomeGoPreferences => ["Change your preferences", "Cambia tus preferencias", "Modifier vos préférences", "Einstellungen ändern"],
        HomeGoSession => ["See your session", "Ver tu sesión", "Voir votre session", "Deine Sitzung ansehen"],
        PrefsTitle => ["Preferences", "Preferencias", "Préférences", "Einstellungen"],
        PrefsIntro => [
            "Choose how Squid looks and speaks to you. Your choice is remembered on this device.",
            "Elige cómo se ve Squid y en qué idioma te habla. Tu elección se recuerda en este dispositivo.",
            "Choisissez l’apparence et la langue de Squid. Votre choix est mémorisé sur cet appareil.",
            "Wähle, wie Squid aussieht und spricht. Deine Wahl wird auf diesem Gerät gespeichert.",
        ],
        Theme => ["Theme", "Tema", "Thème", "Design"],
        ThemeLight => ["Light", "Claro", "Clair", "Hell"],
        ThemeDark => ["Dark", "Oscuro", "Sombre", "Dunkel"],
        Notifications => ["Notifications", "Notificaciones", "Notifications", "Benachrichtigungen"],
        NotificationsEnabled => ["Enabled", "Activadas", "Activées", "Aktiviert"],
        NotificationsDisabled => ["Disabled", "Desactivadas", "Désactivées", "Deaktiviert"],
        Language => ["Language", "Idioma", "Langue", "Sprache"],
        SavePreferences => ["Save preferences", "Guardar preferencias", "Enregistrer les préférences", "Einstellungen speichern"],
        PreferencesSaved => ["Preferences saved.", "Preferencias guardadas.", "Préférences enregistrées.", "Einstellungen gespeichert."],
        PreferencesFailed => [
            "Your preferences could not be saved. Please try again.",
            "No se pudieron guardar tus preferencias. Inténtalo de nuevo.",
            "Vos préférences n’ont pas pu être enregistrées. Veuillez réessayer.",
            "Deine Einstellungen konnten nicht gespeichert werden. Bitte versuche es erneut.",
        ],
        SessionTitle => ["Your session", "Tu sesión", "Votre session", "Deine Sitzung"],
        Started => ["Started", "Inicio", "Début", "Beginn"],
        Duration => ["Duration", "Duración", "Durée", "Dauer"],
        LastActivity => ["Last activity", "Última actividad", "Dernière activité", "Letzte Aktivität"],
        Expires => ["Expires", "Caduca", "Expire", "Läuft ab"],
        SessionId => ["Session id", "Id de sesión", "Identifiant de session", "Sitzungs-ID"],
        PagesVisited => ["Pages visited", "Páginas visitadas", "Pages visitées", "Besuchte Seiten"],
        NoPages => ["No pages yet.", "Aún no hay páginas.", "Aucune page pour l’instant.", "Noch keine Seiten."],
        Previous => ["Previous", "Anterior", "Précédent", "Zurück"],
        Next => ["Next", "Siguiente", "Suivant", "Weiter"],
        PageOf => ["Page", "Página", "Page", "Seite"],
        Actions => ["Actions", "Acciones", "Actions", "Aktionen"],
        NoActions => ["No actions yet.", "Aún no hay acciones.", "Aucune action pour l’instant.", "Noch keine Aktionen."],
        EndSession => ["End session", "Terminar sesión", "Terminer la session", "Sitzung beenden"],
        SessionEnded => ["Session ended.", "Sesión terminada.", "Session terminée.", "Sitzung beendet."],
        SessionEndedNewStarted => [
            "Session ended. Visiting this page started a new one.",
            "Sesión terminada. Al visitar esta página empezó una nueva.",
            "Session terminée. La visite de cette page en a ouvert une nouvelle.",
            "Sitzung beendet. Mit dem Besuch dieser Seite hat eine neue begonnen.",
        ],
        NoSession => [
            "You have no active session. Open any page to start one.",
            "No tienes ninguna sesión activa. Abre cualquier página para empezar una.",
            "Vous n’avez pas de session active. Ouvrez une page pour en commencer une.",
            "Du hast keine aktive Sitzung. Öffne eine Seite, um eine zu beginnen.",
        ],
        Loading => ["Loading…", "Cargando…", "Chargement…", "Wird geladen…"],
        NotFoundTitle => ["Page not found", "Página no encontrada", "Page introuvable", "Seite nicht gefunden"],
        NotFoundText => [
            "There is no page at this address.",
            "No hay ninguna página en esta dirección.",
            "Il n’y a aucune page à cette adresse.",
            "Unter dieser Adresse gibt es keine Seite.",
        ],
        Failed => [
            "Something went wrong. Please try again.",
            "Algo salió mal. Inténtalo de nuevo.",
            "Une erreur s’est produite. Veuillez réessayer.",
            "Etwas ist schiefgelaufen. Bitte versuche es erneut.",
        ],
        NavSignIn => ["Sign in", "Iniciar sesión", "Se connecter", "Anmelden"],
        NavRegister => ["Create account", "Crear cuenta", "Créer un compte", "Konto erstellen"],
        NavDevices => ["Devices", "Dispositivos", "Appareils", "Geräte"],
        SignOut => ["Sign out", "Cerrar sesión", "Se déconnecter", "Abmelden"],
        SignedInAs => ["Signed in as", "Sesión iniciada como", "Connecté en tant que", "Angemeldet als"],
        SignedOut => ["You are signed out.", "Has cerrado la sesión.", "Vous êtes déconnecté.", "Du bist abgemeldet."],
        RegisterTitle => ["Create an account", "Crea una cuenta", "Créez un compte", "Konto anlegen"],
        RegisterIntro => ["Your preferences and history then follow you on every device.", "Tus preferencias e historial te seguirán en cada dispositivo.", "Vos préférences et votre historique vous suivront sur chaque appareil.", "Deine Einstellungen und dein Verlauf folgen dir dann auf jedes Gerät."],
        Email => ["Email", "Correo electrónico", "E-mail", "E-Mail"],
        Password => ["Password", "Contraseña", "Mot de passe", "Passwort"],
        PasswordHint => ["8 to 128 characters.", "De 8 a 128 caracteres.", "De 8 à 128 caractères.", "8 bis 128 Zeichen."],
        DisplayName => ["Display name", "Nombre visible", "Nom affiché", "Anzeigename"],
        Optional => ["optional", "opcional", "facultatif", "optional"],
        CreateAccount => ["Create account", "Crear cuenta", "Créer un compte", "Konto erstellen"],
        HaveAccount => ["Already have an account? Sign in", "¿Ya tienes cuenta? Inicia sesión", "Déjà un compte ? Connectez-vous", "Schon ein Konto? Anmelden"],
        LoginTitle => ["Sign in", "Iniciar sesión", "Connexion", "Anmelden"],
        SignIn => ["Sign in", "Iniciar sesión", "Se connecter", "Anmelden"],
        NoAccount => ["No account yet? Create one", "¿Aún no tienes cuenta? Crea una", "Pas encore de compte ? Créez-en un", "Noch kein Konto? Jetzt erstellen"],
        ErrInvalidCredentials => ["The email or password is incorrect.", "El correo o la contraseña no son correctos.", "L’e-mail ou le mot de passe est incorrect.", "E-Mail oder Passwort ist falsch."],
        ErrEmailTaken => ["An account with this email already exists.", "Ya existe una cuenta con este correo.", "Un compte existe déjà avec cet e-mail.", "Mit dieser E-Mail gibt es bereits ein Konto."],
        ErrInvalidInput => ["Check the email address, and use a password of 8 to 128 characters.", "Revisa el correo y usa una contraseña de 8 a 128 caracteres.", "Vérifiez l’e-mail et choisissez un mot de passe de 8 à 128 caractères.", "Prüfe die E-Mail-Adresse und wähle ein Passwort mit 8 bis 128 Zeichen."],
        ErrRateLimited => ["Too many failed attempts. Please wait a few minutes and try again.", "Demasiados intentos fallidos. Espera unos minutos e inténtalo de nuevo.", "Trop de tentatives échouées. Patientez quelques minutes puis réessayez.", "Zu viele Fehlversuche. Bitte warte ein paar Minuten und versuche es erneut."],
        ErrReauth => ["For your security, confirm your password first.", "Por seguridad, confirma primero tu contraseña.", "Par sécurité, confirmez d’abord votre mot de passe.", "Bestätige zu deiner Sicherheit zuerst dein Passwort."],
        DevicesTitle => ["Your devices", "Tus dispositivos", "Vos appareils", "Deine Geräte"],
        DevicesIntro => ["Every browser where you are signed in. Sign out any you do not recognise.", "Cada navegador donde has iniciado sesión. Cierra la sesión en los que no reconozcas.", "Chaque navigateur où vous êtes connecté. Déconnectez ceux que vous ne reconnaissez pas.", "Jeder Browser, in dem du angemeldet bist. Melde ab, was du nicht kennst."],
        Device => ["Device", "Dispositivo", "Appareil", "Gerät"],
        Place => ["Place", "Lugar", "Lieu", "Ort"],
        ThisDevice => ["This device", "Este dispositivo", "Cet appareil", "Dieses Gerät"],
        SignOutOthers => ["Sign out all other devices", "Cerrar sesión en todos los demás dispositivos", "Déconnecter tous les autres appareils", "Alle anderen Geräte abmelden"],
        DeviceSignedOut => ["The device was signed out.", "Se cerró la sesión en el dispositivo.", "L’appareil a été déconnecté.", "Das Gerät wurde abgemeldet."],
        OthersSignedOut => ["All other devices were signed out.", "Se cerró la sesión en todos los demás dispositivos.", "Tous les autres appareils ont été déconnectés.", "Alle anderen Geräte wurden abgemeldet."],
        ConfirmPassword => ["Confirm password", "Confirmar contraseña", "Confirmer le mot de passe", "Passwort bestätigen"],
        Reauthenticated => ["Password confirmed. You can now sign out other devices.", "Contraseña confirmada. Ya puedes cerrar sesión en otros dispositivos.", "Mot de passe confirmé. Vous pouvez déconnecter d’autres appareils.", "Passwort bestätigt. Du kannst jetzt andere Geräte abmelden."],
        Unknown => ["Unknown", "Desconocido", "Inconnu", "Unbekannt"],
        NoDevices => ["No other device is signed in.", "No hay otros dispositivos con sesión iniciada.", "Aucun autre appareil n’est connecté.", "Kein anderes Gerät ist angemeldet."],
        Hello => ["Hello", "Hola", "Bonjour", "Hallo"],
        ChangePassword => ["Change password", "Cambiar contraseña", "Changer le mot de passe", "Passwort ändern"],
        CurrentPassword => ["Current password", "Contraseña actual", "Mot de passe actuel", "Aktuelles Passwort"],
        NewPassword => ["New password", "Nueva contraseña", "Nouveau mot de passe", "Neues Passwort"],
        PasswordChanged => ["Your password was changed. Every other device was signed out.", "Tu contraseña se cambió. Se cerró la sesión en todos los demás dispositivos.", "Votre mot de passe a été changé. Tous les autres appareils ont été déconnectés.", "Dein Passwort wurde geändert. Alle anderen Geräte wurden abgemeldet."],
        ErrWrongPassword => ["That password is not correct.", "Esa contraseña no es correcta.", "Ce mot de passe est incorrect.", "Dieses Passwort ist nicht korrekt."],
    }
}

#[cfg(test)]
mod tests {
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
            (Key::Email, "Email", "Correo electrónico"),
            (Key::Password, "Password", "Contraseña"),
            (Key::DisplayName, "Display name", "Nombre visible"),
            (Key::SignOut, "Sign out", "Cerrar sesión"),
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
}
