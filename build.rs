// `sqlx::migrate!` embeds `migrations/` when it compiles, and cargo does not watch that
// directory by itself: without this a new migration would be missing from the binary
// until some Rust file changed (as sqlx's `migrate build-script` sets up).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
