//! Sales channels and their product syncs (`unstable`).

use chrono::{DateTime, Utc};
use flexport_logistics_unstable::types::{
    CreateChannelInput, CreateChannelOutput, ProductSyncStatus,
    ProductSyncStatusProductSyncStatus as SyncStatus,
};

use super::{Writer, later, required};
use crate::engine::DomainError;
use crate::state::{Channel, StateChange, channel_key};

/// Creates the channel of `channelType` and `storeName`, or updates its
/// location when it exists (keeping its id and sync). The access token is
/// checked for presence and not kept. `channelType` is an open string: a
/// type the sandbox has not heard of is accepted as it is.
pub fn create(
    w: &mut Writer<'_>,
    input: CreateChannelInput,
) -> Result<CreateChannelOutput, DomainError> {
    required("channelType", &input.channel_type)?;
    required("accessToken", &input.access_token)?;
    required("storeName", &input.store_name)?;
    required("locationId", &input.location_id)?;
    let key = channel_key(&input.channel_type, &input.store_name);
    let channel = match w.data().channels.get(&key) {
        Some(existing) => Channel {
            location_id: input.location_id,
            ..existing.clone()
        },
        None => Channel {
            channel_id: format!("CH-{}", w.data().channels.len() + 1001),
            channel_type: input.channel_type,
            store_name: input.store_name,
            location_id: input.location_id,
            sync_status: None,
            sync_updated_at: None,
            sync_complete_at: None,
        },
    };
    let output = output(w, &channel);
    w.apply(StateChange::Channel(Box::new(channel)));
    Ok(output)
}

fn output(w: &Writer<'_>, channel: &Channel) -> CreateChannelOutput {
    let base = format!(
        "{}/sandbox/channels/{}",
        w.store.base_url, channel.channel_id
    );
    CreateChannelOutput {
        channel_id: channel.channel_id.clone(),
        store_name: channel.store_name.clone(),
        channel_type: channel.channel_type.clone(),
        fulfillment_service_callback_url: format!("{base}/fulfillment"),
        webhook_callback_url: format!("{base}/webhooks"),
    }
}

/// Starts a product sync, which completes [`crate::Config::quote_after`]
/// later: 404 for an unknown channel, 409 while a sync is pending.
pub fn sync(w: &mut Writer<'_>, channel_type: &str, store_name: &str) -> Result<(), DomainError> {
    let mut channel = find(w, channel_type, store_name)?.clone();
    if channel.sync_status == Some(SyncStatus::Pending) {
        return Err(DomainError::conflict(format!(
            "a product sync of channel {} is already pending",
            channel.channel_id
        )));
    }
    let now = w.now();
    channel.sync_status = Some(SyncStatus::Pending);
    channel.sync_updated_at = Some(now);
    channel.sync_complete_at = Some(later(now, w.config().quote_after));
    w.apply(StateChange::Channel(Box::new(channel)));
    Ok(())
}

fn find<'a>(
    w: &'a Writer<'_>,
    channel_type: &str,
    store_name: &str,
) -> Result<&'a Channel, DomainError> {
    w.data()
        .channels
        .get(&channel_key(channel_type, store_name))
        .ok_or_else(|| {
            DomainError::new(
                crate::engine::Kind::NotFound,
                format!("no {channel_type} channel for store `{store_name}`"),
            )
        })
}

/// `ProductSyncStatus`: 404 for an unknown channel or one never synced.
pub fn sync_status(
    data: &crate::state::Data,
    channel_type: &str,
    store_name: &str,
) -> Result<ProductSyncStatus, DomainError> {
    let not_found = |what: &str| {
        DomainError::new(
            crate::engine::Kind::NotFound,
            format!("{what} {channel_type} channel for store `{store_name}`"),
        )
    };
    let channel = data
        .channels
        .get(&channel_key(channel_type, store_name))
        .ok_or_else(|| not_found("no"))?;
    let (Some(status), Some(updated_at)) = (&channel.sync_status, channel.sync_updated_at) else {
        return Err(not_found("no product sync was started for the"));
    };
    Ok(ProductSyncStatus {
        channel_id: channel.channel_id.clone(),
        product_sync_status: status.clone(),
        updated_at,
    })
}

/// Completes the product syncs whose time has come.
pub fn syncs_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<Channel> = w
        .data()
        .channels
        .values()
        .filter(|channel| channel.sync_complete_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for mut channel in due {
        channel.sync_status = Some(SyncStatus::Complete);
        channel.sync_updated_at = Some(now);
        channel.sync_complete_at = None;
        w.apply(StateChange::Channel(Box::new(channel)));
    }
}
