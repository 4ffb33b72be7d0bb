//! Connections over a real socket: request heads and idle connections time out, shutdown
//! does not wait on a half-sent request past its grace period, and a refused body tells
//! the client the connection is closing.

use crate::harness::TestApp;
use squid::web::conn::{serve_on, Limits};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    done: JoinHandle<std::io::Result<()>>,
}

async fn serve(app: &TestApp, limits: Limits) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve_on(listener, app.router.clone(), limits, async {
        let _ = stopped.await;
    }));
    Running { addr, stop, done }
}

/// Everything the server sends until it closes the connection; `None` if it is still
/// open after `wait`.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, stream.read_to_end(&mut got)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(_) => None,
    }
}

const SHORT: Limits = Limits {
    header_read: Duration::from_millis(300),
    grace: Duration::from_millis(300),
};

#[tokio::test]
async fn a_half_sent_request_head_is_timed_out() {
    let app = TestApp::new().await;
    let server = serve(&app, SHORT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: a")
        .await
        .unwrap();
    let answer = until_closed(&mut stream, Duration::from_secs(10)).await;
    let answer = answer.expect("the server closes a connection whose head never ends");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = TestApp::new().await;
    let server = serve(&app, SHORT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    // The answer comes, then nothing more is asked: the connection is closed.
    let answer = until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("an idle connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn shutdown_does_not_wait_on_a_half_sent_request_past_the_grace_period() {
    let app = TestApp::new().await;
    let limits = Limits {
        header_read: Duration::from_secs(600),
        grace: Duration::from_millis(300),
    };
    let server = serve(&app, limits).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ha")
        .await
        .unwrap();
    // Let the server take the connection in before it is told to stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop.send(()).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(10), server.done).await;
    stopped
        .expect("the server stops within its grace period")
        .unwrap()
        .unwrap();
    // And no new connection is taken.
    assert!(TcpStream::connect(server.addr).await.is_err());
}

#[tokio::test]
async fn a_body_refused_unread_says_connection_close_and_closes() {
    let app = TestApp::new().await;
    let server = serve(
        &app,
        Limits {
            header_read: Duration::from_secs(600),
            ..SHORT
        },
    )
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
              Content-Length: 5\r\n\r\nhello",
        )
        .await
        .unwrap();
    // Closed at once after the answer, not left for the header timeout (600 s here).
    let answer = until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("closed after the answer");
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("\r\nconnection: close\r\n"),
        "{answer}"
    );
}
