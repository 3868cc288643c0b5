//! Secrets from the environment or SSM SecureString parameters.

use std::collections::HashMap;

use aws_sdk_ssm::types::ParameterType;
use secrecy::ExposeSecret;

use noktvrn_aws::{SecretError, resolve_secret_with};

use crate::support::aws;

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[tokio::test]
async fn a_secret_comes_from_the_environment_or_a_secure_ssm_parameter() {
    let aws = aws().await;
    let ssm = aws_sdk_ssm::Client::new(&aws.stack.sdk);
    ssm.put_parameter()
        .name("/noktvrn/test/bot-token")
        .value("123:ssm-token")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();

    // the variable itself wins
    let env = vars(&[
        ("TELEGRAM_BOT_TOKEN", "123:env-token"),
        ("TELEGRAM_BOT_TOKEN_SSM_PARAM", "/noktvrn/test/bot-token"),
    ]);
    let s = resolve_secret_with(&ssm, "TELEGRAM_BOT_TOKEN", env)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.expose_secret(), "123:env-token");
    assert!(!format!("{s:?}").contains("env-token"), "Debug is redacted");

    // else the SSM parameter, decrypted
    let env = vars(&[
        ("TELEGRAM_BOT_TOKEN", ""),
        ("TELEGRAM_BOT_TOKEN_SSM_PARAM", "/noktvrn/test/bot-token"),
    ]);
    let s = resolve_secret_with(&ssm, "TELEGRAM_BOT_TOKEN", env)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.expose_secret(), "123:ssm-token");

    // neither: not configured
    assert!(
        resolve_secret_with(&ssm, "PEXELS_API_KEY", vars(&[]))
            .await
            .unwrap()
            .is_none()
    );

    // a parameter that does not exist is named
    let env = vars(&[("PEXELS_API_KEY_SSM_PARAM", "/noktvrn/test/missing")]);
    let e = resolve_secret_with(&ssm, "PEXELS_API_KEY", env)
        .await
        .unwrap_err();
    assert!(matches!(e, SecretError::ParameterNotFound { .. }), "{e}");
    assert!(e.to_string().contains("/noktvrn/test/missing"), "{e}");
    assert!(e.to_string().contains("PEXELS_API_KEY_SSM_PARAM"), "{e}");
    assert!(!e.is_retryable());
}
