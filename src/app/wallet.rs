//! Sign-In with Ethereum on the pages: "Sign in with Ethereum" on `/login`, and the linked
//! wallet on `/devices` ("Link wallet", "Unlink wallet").
//!
//! A wallet lives in the browser (`window.ethereum`, EIP-1193), so signing needs
//! JavaScript by nature: the button shows once the page has hydrated and found a wallet;
//! before that, and without one, a note says what is needed (a `<noscript>` note when
//! JavaScript is off). The server writes the EIP-4361 message ([`siwe_message`]), so the
//! browser needs no EIP-55 or date code; the wallet signs it (`personal_sign`); the
//! signed message goes to the same use case as `POST /api/auth/siwe`. Unlinking is a plain
//! form and works without JavaScript.

use super::use_prefs;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Key;
use crate::model::{SiweInput, User};
use leptos::prelude::*;

/// The EIP-4361 text for the wallet `address` to sign, with a new nonce for this session.
#[server(prefix = "/api/fn", endpoint = "siwe_message")]
pub async fn siwe_message(address: String, chain_id: Option<u64>) -> Result<String, ApiError> {
    use super::server::{send, serve};
    serve(|mut ctx| async move {
        let site = crate::web::Ctx::site_of_leptos()?;
        let wallets = &ctx.state.domain.wallets;
        let (text, happened) = wallets
            .message_for(&mut ctx.visitor, &site, &address, chain_id, ctx.now)
            .await?;
        send(ctx.apply(&happened).await?);
        Ok(text)
    })
    .await
}

/// Signs in with a signed message ("Sign in with Ethereum").
#[server(prefix = "/api/fn", endpoint = "siwe_login")]
pub async fn siwe_login(#[server(flatten)] input: SiweInput) -> Result<User, ApiError> {
    use super::server::{send, serve};
    use crate::domain::wallet::check::SiweProof;
    serve(|mut ctx| async move {
        let proof = SiweProof::try_from(input)?;
        let site = crate::web::Ctx::site_of_leptos()?;
        let wallets = &ctx.state.domain.wallets;
        let (user, happened) = wallets
            .sign_in(&mut ctx.visitor, proof, &site, ctx.now)
            .await?;
        send(ctx.apply(&happened).await?);
        Ok(user)
    })
    .await
}

/// Links the wallet of a signed message to the account ("Link wallet").
#[server(prefix = "/api/fn", endpoint = "link_wallet")]
pub async fn link_wallet(#[server(flatten)] input: SiweInput) -> Result<User, ApiError> {
    use super::server::{send, serve};
    use crate::domain::wallet::check::SiweProof;
    serve(|mut ctx| async move {
        let proof = SiweProof::try_from(input)?;
        let site = crate::web::Ctx::site_of_leptos()?;
        let wallets = &ctx.state.domain.wallets;
        let (user, happened) = wallets
            .link(&mut ctx.visitor, proof, &site, ctx.now)
            .await?;
        send(ctx.apply(&happened).await?);
        Ok(user)
    })
    .await
}

/// Unlinks the account's wallet ("Unlink wallet").
#[server(prefix = "/api/fn", endpoint = "unlink_wallet")]
pub async fn unlink_wallet() -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    use crate::model::Outcome;
    form(
        Back::to("/devices", Outcome::WalletUnlinked, "/devices"),
        |mut ctx| async move {
            let wallets = &ctx.state.domain.wallets;
            let (_, happened) = wallets.unlink(&mut ctx.visitor, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// The words for a failed wallet step: a refused signature is not about an email.
pub fn wallet_error_key(error: &ApiError) -> Key {
    match error.code {
        ErrorCode::InvalidCredentials => Key::ErrWalletRefused,
        code => super::forms::error_key(Some(code)),
    }
}

/// Whether this browser has a wallet: false on the server and until hydration.
fn has_wallet() -> ReadSignal<bool> {
    let (found, set_found) = signal(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        set_found.set(browser::ethereum().is_some());
        #[cfg(not(feature = "hydrate"))]
        let _ = set_found;
    });
    found
}

/// Has the wallet sign a message for this session, then hands it to `submit`.
/// `Err` carries the words for what went wrong.
#[cfg(feature = "hydrate")]
async fn sign_and<F, Fut>(submit: F) -> Result<User, Key>
where
    F: FnOnce(SiweInput) -> Fut,
    Fut: std::future::Future<Output = Result<User, ApiError>>,
{
    let (message, signature) = browser::sign().await.map_err(|e| {
        leptos::logging::warn!("wallet: {e}");
        Key::WalletDidNotSign
    })?;
    let input = SiweInput {
        message: Some(message),
        signature: Some(signature),
    };
    submit(input).await.map_err(|e| wallet_error_key(&e))
}

/// "Sign in with Ethereum" for `/login`; a failure is shown through `alert` (the page's
/// one alert).
#[component]
pub fn WalletSignIn(alert: RwSignal<Option<Key>>) -> impl IntoView {
    let prefs = use_prefs();
    let found = has_wallet();
    let busy = RwSignal::new(false);
    let start = move |_| {
        alert.set(None);
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match sign_and(siwe_login).await {
                Ok(_) => super::reload_to("/"),
                Err(key) => alert.set(Some(key)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="wallet" aria-labelledby="wallet-heading">
            <h2 id="wallet-heading">{prefs.text(Key::WalletHeading)}</h2>
            <noscript><p class="note">{prefs.text(Key::WalletNeedsJs)}</p></noscript>
            <Show
                when=move || found.get()
                fallback=move || view! { <p class="note">{prefs.text(Key::WalletNeeded)}</p> }
            >
                <button type="button" on:click=start disabled=move || busy.get()>
                    {prefs.text(Key::SignInWithEthereum)}
                </button>
            </Show>
        </section>
    }
}

/// The linked wallet on `/devices`, or "Link wallet". `linked` reports a link, a failure
/// goes to `alert`; unlinking is `unlink`'s form (the page refreshes its data after both).
#[component]
pub fn WalletSection(
    wallet: Option<String>,
    has_password: bool,
    unlink: ServerAction<UnlinkWallet>,
    linked: RwSignal<Option<Key>>,
    alert: RwSignal<Option<Key>>,
) -> impl IntoView {
    let prefs = use_prefs();
    let found = has_wallet();
    let link = move |_| {
        alert.set(None);
        linked.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match sign_and(link_wallet).await {
                Ok(_) => linked.set(Some(Key::WalletLinked)),
                Err(key) => alert.set(Some(key)),
            }
        });
    };
    let body = match wallet {
        Some(address) => view! {
            <p>
                {prefs.text(Key::LinkedWallet)} ": "
                <code data-testid="linked-wallet">{address}</code>
            </p>
            // A wallet-only account keeps its one way in.
            {has_password.then(|| view! {
                <ActionForm action=unlink>
                    <button type="submit">{prefs.text(Key::UnlinkWallet)}</button>
                </ActionForm>
            })}
        }
        .into_any(),
        None => view! {
            <noscript><p class="note">{prefs.text(Key::WalletNeedsJs)}</p></noscript>
            <Show
                when=move || found.get()
                fallback=move || view! { <p class="note">{prefs.text(Key::WalletNeeded)}</p> }
            >
                <button type="button" on:click=link>{prefs.text(Key::LinkWallet)}</button>
            </Show>
        }
        .into_any(),
    };
    view! {
        <section class="wallet" aria-labelledby="wallet-heading">
            <h2 id="wallet-heading">{prefs.text(Key::WalletHeading)}</h2>
            {body}
        </section>
    }
}

/// The wallet in the browser, through EIP-1193's `request`.
#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Array, Function, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// `window.ethereum`, when the browser has a wallet.
    pub fn ethereum() -> Option<JsValue> {
        let window = web_sys::window()?;
        let eth = Reflect::get(&window, &"ethereum".into()).ok()?;
        (!eth.is_undefined() && !eth.is_null()).then_some(eth)
    }

    fn describe(e: JsValue) -> String {
        Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"))
    }

    async fn request(
        eth: &JsValue,
        method: &str,
        params: Option<Array>,
    ) -> Result<JsValue, String> {
        let args = Object::new();
        Reflect::set(&args, &"method".into(), &method.into()).map_err(describe)?;
        if let Some(params) = params {
            Reflect::set(&args, &"params".into(), &params).map_err(describe)?;
        }
        let request: Function = Reflect::get(eth, &"request".into())
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        let promise: Promise = request
            .call1(eth, &args)
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        JsFuture::from(promise).await.map_err(describe)
    }

    /// Asks the wallet for its account, has the server write the message, and the wallet
    /// sign it; returns the message and the signature.
    pub async fn sign() -> Result<(String, String), String> {
        let eth = ethereum().ok_or("no wallet")?;
        let accounts: Array = request(&eth, "eth_requestAccounts", None)
            .await?
            .dyn_into()
            .map_err(describe)?;
        let address = accounts
            .get(0)
            .as_string()
            .ok_or("the wallet gave no account")?;
        let chain_id = request(&eth, "eth_chainId", None)
            .await
            .ok()
            .and_then(|c| c.as_string())
            .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok());
        let message = super::siwe_message(address.clone(), chain_id)
            .await
            .map_err(|e| e.message)?;
        // EIP-1193 wallets take the message as hex of its UTF-8 bytes.
        let hex: String = message.bytes().map(|b| format!("{b:02x}")).collect();
        let params = Array::of2(&format!("0x{hex}").into(), &address.into());
        let signature = request(&eth, "personal_sign", Some(params))
            .await?
            .as_string()
            .ok_or("the wallet gave no signature")?;
        Ok((message, signature))
    }
}
