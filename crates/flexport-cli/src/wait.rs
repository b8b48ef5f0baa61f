//! `flexport wait WAITER ID`: the facade's waiters (`flexport::waiters`).

use std::time::Duration;

use flexport::waiters::{Target, WaitError, Waiters};
use serde::Serialize;

use crate::Failure;
use crate::output::Output;

include!("waiter_list.rs");

/// How a wait runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--timeout`: the wait's deadline.
    pub deadline: Duration,
    /// `--poll-interval`: the shortest sleep between polls.
    pub min_delay: Duration,
}

/// Waits for `target` on `id`; prints the object in its final state.
pub async fn run<C, T>(
    client: &C,
    target: T,
    id: &str,
    options: &Options,
    output: &mut Output,
) -> Result<(), Failure>
where
    C: Waiters,
    T: Target<C> + 'static,
    T::Output: Serialize + 'static,
{
    let name = target.acceptors().name;
    let bar = output.progress_bar(&format!("waiting until {name} ({id})"));
    let shown = bar.clone();
    let result = client
        .wait_until(target, id)
        .deadline(options.deadline)
        .min_delay(options.min_delay)
        .on_progress(move |seen| {
            shown.set_message(format!("waiting until {name} ({id}): {}", seen.state));
            shown.set_position(u64::from(seen.poll));
        })
        .await;
    bar.finish_and_clear();
    match result {
        Ok(object) => {
            let value = serde_json::to_value(object)
                .map_err(|e| Failure::Other(format!("cannot show the object: {e}")))?;
            output.value(&value)
        }
        Err(error) => Err(wait_failure(&error, options.deadline)),
    }
}

fn wait_failure<T>(error: &WaitError<T>, deadline: Duration) -> Failure {
    let waiter = error.waiter();
    let last = error
        .last_state()
        .map(|state| format!("last state {state}"))
        .unwrap_or_else(|| "no poll answered".to_owned());
    let polls = match error.polls() {
        1 => "1 poll".to_owned(),
        n => format!("{n} polls"),
    };
    match error {
        WaitError::TimedOut { .. } => Failure::Wait(
            format!(
                "{waiter}: not reached within {} s ({last}, {polls})",
                deadline.as_secs_f64()
            ),
            None,
        ),
        WaitError::Unreachable { state, .. } => Failure::Wait(
            format!("{waiter}: cannot happen any more, the state is {state} ({polls})"),
            None,
        ),
        _ => Failure::Wait(
            format!("{waiter}: a poll failed ({last}, {polls})"),
            error.poll_error().map(|e| {
                let report = crate::failure::api_report(e, crate::failure::Sent::Read);
                (crate::failure::api_code(e), report)
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::WAITERS;

    #[test]
    fn the_wait_subcommands_are_the_facades_waiters() {
        let ours: Vec<(String, &str)> = WAITERS
            .iter()
            .map(|(command, _, operation)| ((*command).to_owned(), *operation))
            .collect();
        let facade: Vec<(String, &str)> = flexport::waiters::ALL
            .iter()
            .map(|acceptors| (acceptors.name.replace(' ', "-"), acceptors.operation))
            .collect();
        assert_eq!(ours, facade);
    }
}
