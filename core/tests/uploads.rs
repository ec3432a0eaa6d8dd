#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The upload store's contract, on both adapters: a picture round-trips byte for byte, the same
//! picture put twice is kept once, an unknown hash is none.

use bytes::Bytes;
use veche_core::storage::Backend;
use veche_core::web::uploads::{self, Upload};

fn upload(bytes: &'static [u8]) -> Upload {
    Upload {
        hash: blake3::hash(bytes).to_hex().to_string(),
        content_type: "image/jpeg".to_string(),
        width: 640,
        height: 480,
        bytes: Bytes::from_static(bytes),
        created_at: veche_core::clock::from_millis(veche_core::clock::now_millis()),
    }
}

async fn uploads_round_trip_once_by_hash(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    // Preparing twice is harmless.
    uploads::open(&backend).await.unwrap();
    let first = upload(b"\xFF\xD8\xFF\xE0 not really a jpeg, but bytes \x00\x01\x02\xFF");
    assert_eq!(store.get(&first.hash).await.unwrap(), None);
    store.put(&first).await.unwrap();
    store.put(&first).await.unwrap();
    assert_eq!(store.get(&first.hash).await.unwrap(), Some(first.clone()));
    let second = upload(b"another picture");
    store.put(&second).await.unwrap();
    assert_eq!(
        store.get(&second.hash).await.unwrap().unwrap().bytes,
        second.bytes
    );
    assert_eq!(store.get(&"0".repeat(64)).await.unwrap(), None);
}

veche_core::contract_tests!(uploads_round_trip_once_by_hash);
