//! Group commit for events: appends go through one writer task that commits them in
//! batches. The requests that arrive while a batch is being written form the next one,
//! which is written with a single multi-row INSERT. A request is answered only after its
//! batch has committed, so nothing acknowledged can be lost to a crash; under load, one
//! commit serves many requests.

use crate::domain::{Error, Result};
use crate::store::{NewEvent, Store, StoreError, MAX_EVENT_BATCH};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The handle requests append through.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Pending>,
}

/// An event waiting for its batch, with where to send the outcome.
struct Pending {
    event: NewEvent,
    /// The batch's outcome; one failure is shared by every event of its batch.
    done: oneshot::Sender<Result<u64, Arc<StoreError>>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("event", &self.event)
            .finish()
    }
}

impl Writer {
    /// Starts the writer task (needs a Tokio runtime); it stops when every clone is dropped.
    pub fn start(store: Arc<dyn Store>) -> Writer {
        let (queue, received) = mpsc::channel(4 * MAX_EVENT_BATCH);
        tokio::spawn(write_batches(store, received));
        Writer { queue }
    }

    /// Appends one event once its batch commits; returns how many page views its session
    /// has counting it (for actions: 0).
    pub async fn append(&self, event: NewEvent) -> Result<u64> {
        let (done, outcome) = oneshot::channel();
        let stopped = || Error::Unavailable("the event writer has stopped".into());
        self.queue
            .send(Pending { event, done })
            .await
            .map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(|e| Error::Unavailable(Box::new(ArcError(e))))
    }
}

/// The writer task: takes whatever is queued (at least one event, at most a batch), writes
/// it in one statement, answers every waiter, repeats.
async fn write_batches(store: Arc<dyn Store>, mut queue: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_EVENT_BATCH);
    while queue.recv_many(&mut batch, MAX_EVENT_BATCH).await > 0 {
        let events: Vec<NewEvent> = batch.iter().map(|p| p.event.clone()).collect();
        match store.conn().insert_events(&events).await {
            Ok(counts) => {
                for (pending, count) in batch.drain(..).zip(counts) {
                    let _ = pending.done.send(Ok(count));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events = batch.len(), "could not record events");
                let e = Arc::new(e);
                for pending in batch.drain(..) {
                    let _ = pending.done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// A failure shared by every event of a batch.
#[derive(Debug)]
struct ArcError(Arc<StoreError>);

impl std::fmt::Display for ArcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ArcError {}
