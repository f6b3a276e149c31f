//! TLS for PostgreSQL connections, with rustls (no OpenSSL at build time), in libpq's terms:
//! `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM
//! file of trusted CAs, or `system` for the operating system's store), `sslcert`/`sslkey` (a
//! client certificate), read from the URL's query string or set in code ([`TlsOptions`]).
//!
//! **The default is safe, unlike libpq's `prefer`** (which silently falls back to plain text and
//! never checks whom it talks to): a server on a loopback address or a Unix socket is reached in
//! plain text (nobody sits between two processes of one machine, and TLS there costs a handshake
//! per connection and every byte encrypted for nothing), any other host with `verify-full` —
//! encrypted, the certificate chained to a trusted CA and naming the host. Trusted CAs are `sslrootcert`, else `~/.postgresql/root.crt` (libpq's
//! default), else the system store. A server without TLS is then refused with an error naming
//! `sslmode`, and plain text is one explicit `sslmode=disable` away.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use djorm_core::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain text only.
    Disable,
    /// TLS when the server offers it, plain text otherwise; the certificate is not checked.
    Prefer,
    /// TLS or nothing; the certificate is not checked (encryption without authentication).
    Require,
    /// TLS, and the certificate chains to a trusted CA (any host name).
    VerifyCa,
    /// TLS, the certificate chains to a trusted CA and names the host.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's spelling (`verify-full`).
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::Config(format!(
                    "sslmode must be disable, prefer, require, verify-ca or verify-full, not '{}'",
                    other.escape_debug()
                )))
            }
        })
    }

    /// libpq's spelling.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted CAs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file of CA certificates (`sslrootcert=/path/ca.pem`).
    File(PathBuf),
    /// The operating system's store (`sslrootcert=system`).
    System,
}

/// How to secure connections; [`TlsOptions::default`] is the safe default described above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `sslmode`; `None` picks by host (loopback or socket: `disable`, otherwise `verify-full`).
    pub mode: Option<SslMode>,
    /// `sslrootcert`; `None`: `~/.postgresql/root.crt` if it exists, else the system store.
    pub root_cert: Option<RootCerts>,
    /// `sslcert`: a PEM client certificate (chain), for servers that authenticate by certificate.
    pub client_cert: Option<PathBuf>,
    /// `sslkey`: the client certificate's PEM private key.
    pub client_key: Option<PathBuf>,
}

const SETTINGS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

impl TlsOptions {
    /// Takes libpq's TLS settings out of a URL's query string (the driver knows only some of
    /// them), returning the URL without them.
    pub fn take_from_url(&mut self, url: &str) -> Result<String> {
        let Some((base, query)) = url.split_once('?') else { return Ok(url.to_owned()) };
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !SETTINGS.contains(&name) {
                kept.push(pair);
                continue;
            }
            let value = percent_decode(value);
            match name {
                "sslmode" => self.mode = Some(SslMode::parse(&value)?),
                "sslrootcert" if value == "system" => self.root_cert = Some(RootCerts::System),
                "sslrootcert" => self.root_cert = Some(RootCerts::File(value.into())),
                "sslcert" => self.client_cert = Some(value.into()),
                _ => self.client_key = Some(value.into()),
            }
        }
        Ok(if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) })
    }

    /// The mode in effect for `config`: the one set, else `disable` when every host is a
    /// loopback address or a socket, else `verify-full`.
    pub fn effective_mode(&self, config: &tokio_postgres::Config) -> SslMode {
        self.mode.unwrap_or_else(|| {
            if config.get_hosts().iter().all(is_local) {
                SslMode::Disable
            } else {
                SslMode::VerifyFull
            }
        })
    }

    /// The connector for `config`, and the driver's mode set on it.
    pub(crate) fn connector(&self, config: &mut tokio_postgres::Config) -> Result<Tls> {
        let mode = self.effective_mode(config);
        config.ssl_mode(match mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        if mode == SslMode::Disable {
            return Ok(Tls::Plain);
        }
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?;
        let builder = match mode {
            SslMode::Prefer | SslMode::Require => {
                builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate))
            }
            SslMode::VerifyCa => {
                let inner =
                    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(self.roots()?), provider())
                        .build()
                        .map_err(|e| Error::Config(format!("TLS: {e}")))?;
                builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyHostName(inner)))
            }
            _ => builder.with_root_certificates(self.roots()?),
        };
        let client = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let chain = read_certs(cert, "sslcert")?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| Error::Config(format!("sslkey {}: {e}", key.display())))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| Error::Config(format!("sslcert/sslkey: {e}")))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(Error::Config("sslcert and sslkey go together: give both or neither".into())),
        };
        Ok(Tls::Rustls(MakeRustlsConnect::new(client), mode))
    }

    fn roots(&self) -> Result<RootCertStore> {
        let mut store = RootCertStore::empty();
        let home_root = std::env::var_os("HOME").map(|h| Path::new(&h).join(".postgresql/root.crt"));
        let file = match &self.root_cert {
            Some(RootCerts::File(path)) => Some(path.clone()),
            Some(RootCerts::System) => None,
            None => home_root.filter(|p| p.exists()),
        };
        match file {
            Some(path) => {
                for cert in read_certs(&path, "sslrootcert")? {
                    store.add(cert).map_err(|e| Error::Config(format!("sslrootcert {}: {e}", path.display())))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = store.add(cert);
                }
            }
        }
        if store.is_empty() {
            return Err(Error::Config(
                "sslmode verify-ca/verify-full needs trusted CAs: set sslrootcert to a PEM file (or install the \
                 system's CA certificates)"
                    .into(),
            ));
        }
        Ok(store)
    }
}

/// A driver configuration and the TLS settings from a URL or key=value string (libpq's TLS
/// settings are taken out first: the driver refuses those it does not know).
pub(crate) fn parse_url(url: &str) -> Result<(tokio_postgres::Config, TlsOptions)> {
    let mut tls = TlsOptions::default();
    let url = tls.take_from_url(url)?;
    let config = <tokio_postgres::Config as std::str::FromStr>::from_str(&url)
        .map_err(|e| Error::Config(format!("invalid PostgreSQL connection string: {e}")))?;
    Ok((config, tls))
}

/// A connection's TLS: none, or rustls in the given mode.
#[derive(Clone)]
pub(crate) enum Tls {
    /// `sslmode=disable`.
    Plain,
    /// TLS with rustls.
    Rustls(MakeRustlsConnect, SslMode),
}

impl Tls {
    /// A hint to add to a connection error, naming the setting that decides it.
    pub(crate) fn hint(&self, message: &str) -> Option<String> {
        let mode = match self {
            Tls::Plain if message.contains("no encryption") => {
                return Some("the server accepts only TLS here: set sslmode (verify-full with sslrootcert)".into())
            }
            Tls::Plain => return None,
            Tls::Rustls(_, mode) => mode.name(),
        };
        if message.contains("server does not support TLS") {
            Some(format!(
                "the server does not offer TLS and sslmode is {mode}; use sslmode=disable only where plain text \
                 is acceptable"
            ))
        } else if message.contains("client certificate") {
            Some("the server authenticates this role by certificate: set sslcert and sslkey".into())
        } else if message.contains("certificate") || message.contains("TLS") {
            Some(format!(
                "sslmode is {mode}; check sslrootcert (the CA that signed the server's certificate) and the host name"
            ))
        } else {
            None
        }
    }
}

/// rustls over *ring*: it builds with the C compiler alone (aws-lc-rs, rustls' default, needs a
/// larger C build). rustls 0.23.48 deprecates it for lacking post-quantum key exchange; that
/// protects recorded traffic from a future quantum computer, which matters less for a database
/// link than a quick, dependency-light build today. Switching is this one function.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    static PROVIDER: std::sync::OnceLock<Arc<rustls::crypto::CryptoProvider>> = std::sync::OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

pub(crate) fn is_local(host: &Host) -> bool {
    match host {
        Host::Unix(_) => true,
        Host::Tcp(name) => name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    }
}

fn read_certs(path: &Path, setting: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| Error::Config(format!("{setting} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{setting} {}: no certificate in the file", path.display())));
    }
    Ok(certs)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `prefer`/`require`: encryption without authentication, as libpq does in those modes.
#[derive(Debug)]
struct AcceptAnyCertificate;

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must reach a trusted CA; the name in the certificate is not checked.
#[derive(Debug)]
struct AnyHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn settings_leave_the_url_and_the_default_depends_on_the_host() {
        let mut tls = TlsOptions::default();
        let url = tls
            .take_from_url(
                "postgres://app@db.internal/shop?sslmode=verify-ca&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
            )
            .expect("valid");
        assert_eq!(url, "postgres://app@db.internal/shop?application_name=x");
        assert_eq!(tls.mode, Some(SslMode::VerifyCa));
        assert_eq!(tls.root_cert, Some(RootCerts::File("/etc/ca.pem".into())));
        let config = |url: &str| tokio_postgres::Config::from_str(url).expect("config");
        let default = TlsOptions::default();
        assert_eq!(default.effective_mode(&config("postgres://app@db.internal/shop")), SslMode::VerifyFull);
        assert_eq!(default.effective_mode(&config("postgres://app@127.0.0.1/shop")), SslMode::Disable);
        assert_eq!(default.effective_mode(&config("postgres://app@localhost/shop")), SslMode::Disable);
        assert_eq!(default.effective_mode(&config("host=/run/postgresql user=app")), SslMode::Disable);
        let mixed = config("host=127.0.0.1,db.internal user=app");
        assert_eq!(default.effective_mode(&mixed), SslMode::VerifyFull);
        let err = TlsOptions::default().take_from_url("postgres://h/d?sslmode=allow").expect_err("unknown mode");
        assert!(err.to_string().contains("sslmode must be"), "{err}");
    }
}
