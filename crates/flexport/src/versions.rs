//! What every enabled version's generated client implements, by one macro.

macro_rules! version {
    // `$waiters`: the groups of waiters (`crate::waiters::version_waiters!`)
    // beyond those every version has.
    ($feature:literal, $krate:ident, $version:literal, waiters: [$($waiters:ident),*]) => {
        #[cfg(feature = $feature)]
        const _: () = {
            use $krate as api;

            impl crate::VersionClient for api::Client {
                const API_VERSION: &'static str = $version;

                fn from_parts(
                    base_url: &str,
                    http: reqwest::Client,
                    pipeline: flexport_runtime::Pipeline,
                ) -> Self {
                    api::Client::new_with_client(base_url, http, pipeline)
                }
            }

            impl crate::oauth::TokenExchange for api::Client {
                async fn exchange_code(
                    &self,
                    code: &str,
                    redirect_uri: &str,
                ) -> Result<crate::oauth::AccessToken, crate::Error> {
                    use api::prelude::*;
                    let body = api::types::TokenExchangeBody {
                        code: code.to_owned(),
                        grant_type: api::types::GrantTypes::AuthorizationCode,
                        redirect_uri: redirect_uri.to_owned(),
                    };
                    let token = self.token_exchange().body(body).send().await?.into_inner();
                    Ok(crate::oauth::AccessToken {
                        token: token.access_token.into(),
                        logistics_account_id: token.logistics_account_id,
                    })
                }
            }

            crate::waiters::version_waiters!(api, [$($waiters),*]);

            impl crate::webhooks::WebhookEvent for api::webhooks::Event {
                type Envelope = api::webhooks::Envelope;
                fn from_slice_with_envelope(
                    body: &[u8],
                ) -> Result<(Self::Envelope, Self), crate::webhooks::InvalidEvent> {
                    api::webhooks::Event::from_slice_with_envelope(body)
                }
            }
        };
    };
}

version!("v2023-04", flexport_logistics_2023_04, "2023-04", waiters: []);
version!("v2023-07", flexport_logistics_2023_07, "2023-07", waiters: []);
version!("v2023-10", flexport_logistics_2023_10, "2023-10", waiters: []);
version!("v2024-01", flexport_logistics_2024_01, "2024-01", waiters: []);
version!("v2024-04", flexport_logistics_2024_04, "2024-04", waiters: [bulk_parcel_jobs]);
version!("unstable", flexport_logistics_unstable, "unstable", waiters: [bulk_parcel_jobs, freight]);
