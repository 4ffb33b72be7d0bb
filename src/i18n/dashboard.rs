//! The strings of the `/admin` dashboard, apart from the rest so neither file outgrows a
//! read. They reach [`t`](super::t) as `Key::Dash(..)`; one macro writes the enum, its
//! list and the texts from one table, so a key can't miss a language or the tests.

macro_rules! dash_keys {
    ($($key:ident => [$en:expr, $es:expr, $fr:expr, $de:expr $(,)?],)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum DashKey {
            $($key,)*
        }

        impl DashKey {
            /// Every key, for the completeness tests.
            pub const ALL: &'static [DashKey] = &[$(DashKey::$key,)*];
        }

        pub(super) fn texts(key: DashKey) -> [&'static str; 4] {
            match key {
                $(DashKey::$key => [$en, $es, $fr, $de],)*
            }
        }
    };
}

dash_keys! {
    Title => ["Analytics", "Analítica", "Statistiques", "Analyse"],
    NavDashboard => ["Dashboard", "Panel", "Tableau de bord", "Dashboard"],
    Period => ["Period", "Periodo", "Période", "Zeitraum"],
    Last7Days => ["Last 7 days", "Últimos 7 días", "7 derniers jours", "Letzte 7 Tage"],
    Last30Days => ["Last 30 days", "Últimos 30 días", "30 derniers jours", "Letzte 30 Tage"],
    Last90Days => ["Last 90 days", "Últimos 90 días", "90 derniers jours", "Letzte 90 Tage"],
    Show => ["Show", "Mostrar", "Afficher", "Anzeigen"],
    From => ["From", "Desde", "Du", "Von"],
    To => ["to", "hasta", "au", "bis"],
    Overview => ["Overview", "Resumen", "Vue d’ensemble", "Überblick"],
    ActiveToday => ["Active users, last day", "Usuarios activos, último día", "Utilisateurs actifs, dernier jour", "Aktive Benutzer, letzter Tag"],
    ActiveWeek => ["Active users, last 7 days", "Usuarios activos, últimos 7 días", "Utilisateurs actifs, 7 derniers jours", "Aktive Benutzer, letzte 7 Tage"],
    ActiveMonth => ["Active users, last 30 days", "Usuarios activos, últimos 30 días", "Utilisateurs actifs, 30 derniers jours", "Aktive Benutzer, letzte 30 Tage"],
    RightNow => ["Right now", "Ahora mismo", "En ce moment", "Gerade jetzt"],
    ActiveSessionsNow => ["active sessions in the last 5 minutes", "sesiones activas en los últimos 5 minutos", "sessions actives ces 5 dernières minutes", "aktive Sitzungen in den letzten 5 Minuten"],
    PageViewsPerMinute => ["Page views per minute, last 30 minutes", "Páginas vistas por minuto, últimos 30 minutos", "Pages vues par minute, 30 dernières minutes", "Seitenaufrufe pro Minute, letzte 30 Minuten"],
    Minute => ["Minute", "Minuto", "Minute", "Minute"],
    ActiveUsersOverTime => ["Active users over time", "Usuarios activos a lo largo del tiempo", "Utilisateurs actifs au fil du temps", "Aktive Benutzer im Zeitverlauf"],
    ActiveUsers => ["Active users", "Usuarios activos", "Utilisateurs actifs", "Aktive Benutzer"],
    Day => ["Day", "Día", "Jour", "Tag"],
    PopularPages => ["Popular pages", "Páginas populares", "Pages populaires", "Beliebte Seiten"],
    Page => ["Page", "Página", "Page", "Seite"],
    Views => ["Views", "Vistas", "Vues", "Aufrufe"],
    Visitors => ["Visitors", "Visitantes", "Visiteurs", "Besucher"],
    SessionDurations => ["Session durations", "Duración de las sesiones", "Durée des sessions", "Sitzungsdauer"],
    EventBreakdown => ["Event breakdown", "Desglose de eventos", "Répartition des événements", "Ereignisse nach Art"],
    Event => ["Event", "Evento", "Événement", "Ereignis"],
    Count => ["Count", "Cantidad", "Nombre", "Anzahl"],
    FeatureUsage => ["Feature usage", "Uso de funciones", "Utilisation des fonctions", "Nutzung der Funktionen"],
    Action => ["Action", "Acción", "Action", "Aktion"],
    CommonPaths => ["Common paths", "Recorridos frecuentes", "Parcours fréquents", "Häufige Pfade"],
    Path => ["Path", "Recorrido", "Parcours", "Pfad"],
    Funnel => ["Funnel", "Embudo", "Entonnoir", "Trichter"],
    FunnelIntro => [
        "Sessions that visited each page after the ones before it, in order.",
        "Sesiones que visitaron cada página después de las anteriores, en orden.",
        "Sessions ayant visité chaque page après les précédentes, dans l’ordre.",
        "Sitzungen, die jede Seite nach den vorigen besucht haben, der Reihe nach.",
    ],
    Step => ["Step", "Paso", "Étape", "Schritt"],
    UpdateFunnel => ["Update funnel", "Actualizar embudo", "Mettre à jour l’entonnoir", "Trichter aktualisieren"],
    Conversion => ["Conversion", "Conversión", "Conversion", "Konversion"],
    DropOff => ["Drop-off", "Abandono", "Abandon", "Absprung"],
    RetentionCohorts => ["Retention cohorts", "Cohortes de retención", "Cohortes de rétention", "Kohorten-Bindung"],
    Cohort => ["Cohort", "Cohorte", "Cohorte", "Kohorte"],
    Week => ["Week", "Semana", "Semaine", "Woche"],
    ShowNumbers => ["Show the numbers", "Ver las cifras", "Voir les chiffres", "Zahlen anzeigen"],
    NoData => ["No data for this period.", "No hay datos para este periodo.", "Aucune donnée pour cette période.", "Keine Daten für diesen Zeitraum."],
    BadQuery => ["The period or the funnel’s steps were not understood.", "No se entendió el periodo o los pasos del embudo.", "La période ou les étapes de l’entonnoir n’ont pas été comprises.", "Zeitraum oder Trichterschritte wurden nicht verstanden."],
    DurationRange => ["Duration", "Duración", "Durée", "Dauer"],
    SessionCount => ["Sessions", "Sesiones", "Sessions", "Sitzungen"],
    Users => ["Users", "Usuarios", "Utilisateurs", "Benutzer"],
    Highest => ["Highest", "Máximo", "Maximum", "Höchstwert"],
}

impl From<DashKey> for super::Key {
    fn from(key: DashKey) -> Self {
        super::Key::Dash(key)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{t, Key};
    use super::DashKey;
    use crate::model::Language;

    #[test]
    fn every_dashboard_string_is_there_in_every_language() {
        for key in DashKey::ALL {
            for lang in Language::ALL {
                assert!(
                    !t(lang, Key::Dash(*key)).trim().is_empty(),
                    "{key:?} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn the_dashboard_contract_names_are_english_as_ui_md_says() {
        for (key, en) in [
            (DashKey::Period, "Period"),
            (DashKey::RightNow, "Right now"),
            (DashKey::ActiveUsersOverTime, "Active users over time"),
            (DashKey::PopularPages, "Popular pages"),
            (DashKey::SessionDurations, "Session durations"),
            (DashKey::EventBreakdown, "Event breakdown"),
            (DashKey::CommonPaths, "Common paths"),
            (DashKey::Funnel, "Funnel"),
            (DashKey::RetentionCohorts, "Retention cohorts"),
        ] {
            assert_eq!(t(Language::En, Key::Dash(key)), en);
        }
    }
}
