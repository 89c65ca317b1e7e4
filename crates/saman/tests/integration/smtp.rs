//! An SMTP server the tests run: it speaks the protocol (EHLO, MAIL, RCPT, DATA, QUIT)
//! over real TCP, keeps what it receives, and can refuse mail for a while.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct TestSmtp {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    /// While set, every MAIL command is answered with a temporary failure (451).
    pub refusing: Arc<AtomicBool>,
}

impl TestSmtp {
    pub async fn start() -> TestSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = TestSmtp {
            port: listener.local_addr().unwrap().port(),
            received: Default::default(),
            refusing: Default::default(),
        };
        let this = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let this = this.clone();
                tokio::spawn(async move { this.session(stream).await });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 test.smtp ESMTP\r\n").await;
        let mut data: Option<String> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    self.received.lock().unwrap().push(std::mem::take(body));
                    data = None;
                    let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                } else {
                    body.push_str(line.strip_prefix('.').unwrap_or(&line));
                    body.push('\n');
                }
                continue;
            }
            let upper = line.to_ascii_uppercase();
            let answer: &[u8] = if upper.starts_with("EHLO") {
                b"250-test.smtp\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("HELO") {
                b"250 test.smtp\r\n"
            } else if upper.starts_with("MAIL FROM") {
                if self.refusing.load(Ordering::SeqCst) {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    b"250 2.1.0 ok\r\n"
                }
            } else if upper.starts_with("RCPT TO") {
                b"250 2.1.5 ok\r\n"
            } else if upper == "DATA" {
                data = Some(String::new());
                b"354 go ahead\r\n"
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 ok\r\n"
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"502 not implemented\r\n"
            };
            if write.write_all(answer).await.is_err() {
                return;
            }
        }
    }
}
