#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The upload store's contract, on both adapters, read back from where the bytes really are
//! (the files under the data folder; GridFS): a photo with a GPS position waits in the
//! quarantine as sent, then the background work keeps it without the position, with a
//! thumbnail, and deletes what was sent; the same photo twice is one upload; what is refused
//! at once (not a picture, too large, too many pixels) leaves nothing; a photo whose body does
//! not decode is dropped and its record says so; two servers processing at once process each
//! upload once; pictures kept the old way (inside the table or the collection) move to the
//! new place when the store opens.

use std::io::Cursor;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::io::AsyncReadExt;
use futures::TryStreamExt;
use mongodb::bson::{doc, Document};
use veche_core::storage::Backend;
use veche_core::web::uploads::{self, process, Thumb, Upload, UploadState};

// ---- Pictures made for the tests ----

/// A `w`×`h` JPEG with grain (so it is not all one colour).
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 7 % 251) as u8,
            (y * 5 % 241) as u8,
            ((x ^ y) % 239) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// One EXIF (TIFF) entry: tag, type, count, and its value (inline when 4 bytes or fewer).
struct Entry(u16, u16, u32, Vec<u8>);

/// A big-endian TIFF block as EXIF holds it: IFD0 with `ifd0`, and a GPS IFD with `gps`
/// pointed to from IFD0.
fn tiff(ifd0: Vec<Entry>, gps: Vec<Entry>) -> Vec<u8> {
    fn ifd(entries: &[Entry], at: u32, next: u32) -> Vec<u8> {
        let mut head = (entries.len() as u16).to_be_bytes().to_vec();
        let mut data = Vec::new();
        let data_at = at + 2 + 12 * entries.len() as u32 + 4;
        for Entry(tag, kind, count, value) in entries {
            head.extend_from_slice(&tag.to_be_bytes());
            head.extend_from_slice(&kind.to_be_bytes());
            head.extend_from_slice(&count.to_be_bytes());
            if value.len() <= 4 {
                let mut inline = value.clone();
                inline.resize(4, 0);
                head.extend_from_slice(&inline);
            } else {
                head.extend_from_slice(&(data_at + data.len() as u32).to_be_bytes());
                data.extend_from_slice(value);
            }
        }
        head.extend_from_slice(&next.to_be_bytes());
        head.extend(data);
        head
    }
    let mut ifd0 = ifd0;
    // Where the GPS IFD will start: after the header and IFD0 (its entries, and the pointer).
    let ifd0_len = |n: usize, data: usize| 2 + 12 * n + 4 + data;
    let data0: usize = ifd0
        .iter()
        .map(|e| if e.3.len() > 4 { e.3.len() } else { 0 })
        .sum();
    let gps_at = 8 + ifd0_len(ifd0.len() + 1, data0) as u32;
    ifd0.push(Entry(0x8825, 4, 1, gps_at.to_be_bytes().to_vec()));
    let mut out = b"MM\0\x2a\0\0\0\x08".to_vec();
    out.extend(ifd(&ifd0, 8, 0));
    assert_eq!(out.len() as u32, gps_at);
    out.extend(ifd(&gps, gps_at, 0));
    out
}

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
        .collect()
}

/// `jpeg` with an APP1 `Exif` segment written right after its start: GPS 55°45'21"N
/// 37°37'3"E (Moscow), the camera's owner, and `orientation`.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let block = tiff(
        vec![
            Entry(0x0112, 3, 1, orientation.to_be_bytes().to_vec()),
            Entry(0x013B, 2, 13, b"Secret Owner\0".to_vec()),
        ],
        vec![
            Entry(0x0001, 2, 2, b"N\0".to_vec()),
            Entry(0x0002, 5, 3, rationals(&[(55, 1), (45, 1), (21, 1)])),
            Entry(0x0003, 2, 2, b"E\0".to_vec()),
            Entry(0x0004, 5, 3, rationals(&[(37, 1), (37, 1), (3, 1)])),
        ],
    );
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(block);
    let len = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
    out.extend(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The GPS latitude EXIF in `bytes` gives, if any (read by a real EXIF parser).
fn gps_latitude(bytes: &[u8]) -> Option<String> {
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let field = exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)?;
    Some(field.display_value().to_string())
}

/// The APP1 segments of a JPEG (EXIF and XMP live there), read marker by marker up to the
/// first scan.
fn app1_segments(jpeg: &[u8]) -> usize {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    let (mut at, mut found) = (2, 0);
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        if marker == 0xDA {
            break;
        }
        found += usize::from(marker == 0xE1);
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    found
}

/// A real 30,000 × 30,000 PNG (one bit a pixel, all black): about 100 KB that would decode to
/// 2.7 GB of pixels.
fn huge_png() -> Vec<u8> {
    let side = 30_000u32;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; side.div_ceil(8) as usize];
    for _ in 0..side {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

// ---- Where the bytes really are ----

/// Every stored copy of the JPEG named `hash`, read past the store: the file under the data
/// folder, or each GridFS file of that name.
async fn stored_copies(backend: &Backend, hash: &str) -> Vec<Vec<u8>> {
    match backend {
        Backend::Sqlite(db) => {
            let path = db
                .path()
                .parent()
                .unwrap()
                .join("media")
                .join(&hash[..2])
                .join(format!("{hash}.jpg"));
            std::fs::read(path).into_iter().collect()
        }
        Backend::Mongo(db) => {
            let bucket = db.db().gridfs_bucket(
                mongodb::options::GridFsBucketOptions::builder()
                    .bucket_name("media".to_string())
                    .build(),
            );
            let files: Vec<_> = bucket
                .find(doc! { "filename": format!("{hash}.jpg") })
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            let mut copies = Vec::new();
            for file in files {
                let mut bytes = Vec::new();
                bucket
                    .open_download_stream(file.id)
                    .await
                    .unwrap()
                    .read_to_end(&mut bytes)
                    .await
                    .unwrap();
                copies.push(bytes);
            }
            copies
        }
    }
}

/// How many JPEGs the store holds, wherever they are.
async fn stored_count(backend: &Backend) -> usize {
    match backend {
        Backend::Sqlite(db) => {
            let media = db.path().parent().unwrap().join("media");
            let Ok(folders) = std::fs::read_dir(media) else {
                return 0;
            };
            folders
                .flatten()
                .filter(|f| f.file_name() != "tmp")
                .flat_map(|f| std::fs::read_dir(f.path()).unwrap().flatten())
                .count()
        }
        Backend::Mongo(db) => db
            .collection::<Document>("media.files")
            .count_documents(doc! {})
            .await
            .unwrap() as usize,
    }
}

// ---- The contract ----

fn upload(bytes: &'static [u8], thumb: &'static [u8]) -> Upload {
    Upload {
        hash: blake3::hash(bytes).to_hex().to_string(),
        content_type: "image/jpeg".to_string(),
        width: 640,
        height: 480,
        bytes: Bytes::from_static(bytes),
        created_at: veche_core::clock::from_millis(veche_core::clock::now_millis()),
        thumb: Thumb {
            hash: blake3::hash(thumb).to_hex().to_string(),
            width: 320,
            height: 240,
            bytes: Bytes::from_static(thumb),
        },
    }
}

async fn uploads_round_trip_once_by_hash(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    // Preparing twice is harmless.
    uploads::open(&backend).await.unwrap();
    let first = upload(
        b"\xFF\xD8\xFF\xE0 not really a jpeg \x00\x01\x02\xFF",
        b"small",
    );
    assert_eq!(store.get(&first.hash).await.unwrap(), None);
    store.put(&first).await.unwrap();
    store.put(&first).await.unwrap();
    assert_eq!(store.get(&first.hash).await.unwrap(), Some(first.clone()));
    assert_eq!(store.info(&first.hash).await.unwrap(), Some(first.info()));
    assert_eq!(
        stored_count(&backend).await,
        2,
        "the picture and its thumbnail, once"
    );
    let second = upload(b"another picture", b"another thumbnail");
    store.put(&second).await.unwrap();
    assert_eq!(
        store.bytes(&second.thumb.hash).await.unwrap(),
        Some(second.thumb.bytes.clone())
    );
    assert_eq!(store.get(&"0".repeat(64)).await.unwrap(), None);
    assert_eq!(store.bytes(&"0".repeat(64)).await.unwrap(), None);
    assert_eq!(store.bytes("../../etc/passwd").await.unwrap(), None);
}

/// A phone photo with its GPS position: answered at once with the hash of the file sent,
/// which waits in the quarantine (never a kept picture); processed in the background: kept,
/// scaled, turned upright, without any of its EXIF, under its own hash, with a thumbnail, and
/// the file sent deleted. Sent again, before or after: the same upload, no work.
async fn a_photo_is_kept_without_its_location(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    // 800 wide, 600 high, but the phone says "turn 90° clockwise to view".
    let raw = with_exif(&jpeg(800, 600), 6);
    assert_eq!(
        gps_latitude(&raw).as_deref(),
        Some("55 deg 45 min 21 sec"),
        "the photo sent carries a position"
    );
    let id = uploads::accept(store.as_ref(), Bytes::from(raw.clone()))
        .await
        .unwrap();
    assert_eq!(
        id,
        blake3::hash(&raw).to_hex().as_str(),
        "its id: the file's hash"
    );
    let waiting = store.info(&id).await.unwrap().unwrap();
    assert_eq!(waiting.state, UploadState::Processing);
    assert_eq!(
        (waiting.width, waiting.height),
        (800, 600),
        "from its header"
    );
    assert_eq!(store.raw(&id).await.unwrap().as_deref(), Some(&raw[..]));
    assert_eq!(
        store.bytes(&id).await.unwrap(),
        None,
        "nothing kept to serve yet"
    );
    assert_eq!(store.get(&id).await.unwrap(), None);
    assert_eq!(stored_count(&backend).await, 0);
    let again = uploads::accept(store.as_ref(), Bytes::from(raw.clone()))
        .await
        .unwrap();
    assert_eq!(again, id, "sent again while waiting: the same upload");

    let done = process::drain(store.as_ref()).await.unwrap();
    assert_eq!(
        done,
        vec![process::Done {
            hash: id.clone(),
            dropped: None,
            settled: true
        }],
        "processed once"
    );
    let info = store.info(&id).await.unwrap().unwrap();
    assert_eq!(info.state, UploadState::Ready);
    assert_eq!(store.raw(&id).await.unwrap(), None, "the file sent is gone");
    assert_eq!(
        store.bytes(&id).await.unwrap(),
        None,
        "never kept by its own hash"
    );
    let copies = stored_copies(&backend, &info.picture_hash).await;
    assert_eq!(copies.len(), 1);
    let stored = &copies[0];
    assert_eq!(
        blake3::hash(stored).to_hex().as_str(),
        info.picture_hash,
        "named by its hash"
    );
    assert_eq!(gps_latitude(stored), None, "no position kept");
    assert_eq!(app1_segments(stored), 0, "no EXIF or XMP segment at all");
    assert!(!stored.windows(12).any(|w| w == b"Secret Owner"));
    let picture = image::load_from_memory_with_format(stored, image::ImageFormat::Jpeg).unwrap();
    assert_eq!(
        (picture.width(), picture.height()),
        (600, 800),
        "turned upright"
    );
    assert_eq!(
        (info.width, info.height, info.size),
        (600, 800, stored.len() as u64)
    );
    let thumbs = stored_copies(&backend, &info.thumb_hash).await;
    assert_eq!(thumbs.len(), 1);
    let thumb = image::load_from_memory_with_format(&thumbs[0], image::ImageFormat::Jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));
    assert_eq!((info.thumb_width, info.thumb_height), (240, 320));
    assert_eq!(app1_segments(&thumbs[0]), 0);
    let kept = store.get(&id).await.unwrap().unwrap();
    assert_eq!(&kept.bytes[..], &stored[..]);

    let again = uploads::accept(store.as_ref(), Bytes::from(raw))
        .await
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(
        process::drain(store.as_ref()).await.unwrap(),
        vec![],
        "no work"
    );
    assert_eq!(
        stored_copies(&backend, &info.picture_hash).await.len(),
        1,
        "kept once"
    );
    assert_eq!(stored_count(&backend).await, 2);
}

/// A PNG whose header is sound (it passes the request's checks) and whose body is cut off:
/// accepted, then dropped by the background work, its record saying why; the file sent is
/// deleted, nothing is kept, and sending it again is refused at once.
async fn an_unreadable_photo_is_dropped_and_recorded(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(200, 100, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8])
    }))
    .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    let broken = png[..png.len() / 2].to_vec();
    assert!(uploads::sniff(&broken).is_ok(), "its header passes");
    let id = uploads::accept(store.as_ref(), Bytes::from(broken.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.info(&id).await.unwrap().unwrap().state,
        UploadState::Processing
    );
    let done = process::drain(store.as_ref()).await.unwrap();
    assert_eq!(
        done,
        vec![process::Done {
            hash: id.clone(),
            dropped: Some("not_an_image"),
            settled: true
        }]
    );
    let info = store.info(&id).await.unwrap().unwrap();
    assert_eq!(info.state, UploadState::Dropped);
    assert_eq!(info.reason.as_deref(), Some("not_an_image"));
    assert_eq!(store.raw(&id).await.unwrap(), None);
    assert_eq!(store.get(&id).await.unwrap(), None);
    assert_eq!(stored_count(&backend).await, 0);
    let problem = uploads::accept(store.as_ref(), Bytes::from(broken))
        .await
        .unwrap_err();
    assert_eq!(
        problem.extra["reason"], "not_an_image",
        "known, refused at once"
    );
}

/// Two servers on the same store process the uploads waiting at the same time: each upload
/// is claimed, processed and settled by exactly one of them.
async fn two_servers_process_each_upload_once(backend: Backend) {
    let first = uploads::open(&backend).await.unwrap();
    // The second server: its own connection to the same database.
    let other = match &backend {
        Backend::Sqlite(_) => backend.clone(),
        Backend::Mongo(db) => {
            let uri = veche_core::testing::mongodb_uri().unwrap();
            let server = veche_core::storage::Mongo::connect(&uri).await.unwrap();
            Backend::Mongo(server.with_database(db.db().name()))
        }
    };
    let second = uploads::open(&other).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..12u32 {
        let raw = jpeg(120 + n, 90);
        ids.push(
            uploads::accept(first.as_ref(), Bytes::from(raw))
                .await
                .unwrap(),
        );
    }
    let (a, b) = tokio::join!(
        process::drain(first.as_ref()),
        process::drain(second.as_ref())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut processed: Vec<String> = a.iter().chain(&b).map(|d| d.hash.clone()).collect();
    assert!(a.iter().chain(&b).all(|d| d.settled && d.dropped.is_none()));
    processed.sort();
    ids.sort();
    assert_eq!(processed, ids, "each once ({} and {})", a.len(), b.len());
    for id in &ids {
        assert_eq!(
            second.info(id).await.unwrap().unwrap().state,
            UploadState::Ready
        );
        assert_eq!(first.raw(id).await.unwrap(), None);
    }
    assert_eq!(
        stored_count(&backend).await,
        24,
        "a picture and a thumbnail each, once"
    );
}

/// The same picture put by several requests at once is kept once (on MongoDB, the requests
/// that lost the race delete the GridFS files they wrote).
async fn the_same_picture_put_at_once_is_kept_once(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    let checked = uploads::check_image(&jpeg(300, 200)).unwrap();
    let puts = (0..6).map(|_| store.put(&checked));
    for put in futures::future::join_all(puts).await {
        put.unwrap();
    }
    assert_eq!(stored_copies(&backend, &checked.hash).await.len(), 1);
    assert_eq!(stored_copies(&backend, &checked.thumb.hash).await.len(), 1);
    assert_eq!(store.get(&checked.hash).await.unwrap(), Some(checked));
}

/// What is not a picture, too large, or too many pixels is refused and leaves nothing.
async fn refused_files_leave_nothing_behind(backend: Backend) {
    let store = uploads::open(&backend).await.unwrap();
    let refused = |raw: Vec<u8>| {
        let store = store.clone();
        async move {
            let problem = uploads::accept(store.as_ref(), Bytes::from(raw))
                .await
                .unwrap_err();
            assert_eq!(problem.status, http::StatusCode::UNPROCESSABLE_ENTITY);
            problem.extra["reason"].as_str().unwrap().to_string()
        }
    };
    // What a file called photo.jpg holds, its name is never asked.
    assert_eq!(
        refused(b"Dear council, the lamp is out.\n".to_vec()).await,
        "not_an_image"
    );
    // 20 MB of a real JPEG's start.
    let mut big = jpeg(64, 64);
    big.resize(20 * 1024 * 1024, 0);
    assert_eq!(refused(big).await, "too_large");
    let bomb = huge_png();
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let started = Instant::now();
    assert_eq!(refused(bomb).await, "too_many_pixels");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "refused from its header, not decoded: {:?}",
        started.elapsed()
    );
    assert_eq!(stored_count(&backend).await, 0);
}

/// A picture kept inside the table or the collection, as before: moved at the next open, a
/// thumbnail made, still served under its name; opening again changes nothing.
async fn pictures_kept_the_old_way_move_when_the_store_opens(backend: Backend) {
    let old = uploads::check_image(&jpeg(1000, 500)).unwrap();
    match &backend {
        Backend::Sqlite(db) => {
            db.migrate(
                "uploads",
                &[
                    "CREATE TABLE uploads (hash TEXT PRIMARY KEY, content_type TEXT NOT NULL,
                    width INTEGER NOT NULL, height INTEGER NOT NULL, bytes BLOB NOT NULL,
                    created_at INTEGER NOT NULL) WITHOUT ROWID;",
                ],
            )
            .await
            .unwrap();
            db.run(
                "INSERT INTO uploads VALUES (?1, 'image/jpeg', ?2, ?3, ?4, 1700000000000)",
                (old.hash.clone(), old.width, old.height, old.bytes.to_vec()),
            )
            .await
            .unwrap();
        }
        Backend::Mongo(db) => {
            db.collection::<Document>("uploads")
                .insert_one(doc! {
                    "_id": &old.hash, "content_type": "image/jpeg",
                    "width": i64::from(old.width), "height": i64::from(old.height),
                    "bytes": mongodb::bson::Binary {
                        subtype: mongodb::bson::spec::BinarySubtype::Generic,
                        bytes: old.bytes.to_vec(),
                    },
                    "created_at": mongodb::bson::DateTime::from_millis(1_700_000_000_000),
                })
                .await
                .unwrap();
        }
    }
    let store = uploads::open(&backend).await.unwrap();
    uploads::open(&backend).await.unwrap();
    assert_eq!(
        stored_copies(&backend, &old.hash).await,
        vec![old.bytes.to_vec()]
    );
    let info = store.info(&old.hash).await.unwrap().unwrap();
    assert_eq!((info.width, info.height), (1000, 500));
    assert_eq!((info.thumb_width, info.thumb_height), (320, 160));
    assert_eq!(
        store.bytes(&old.hash).await.unwrap().as_deref(),
        Some(&old.bytes[..])
    );
    assert!(store.bytes(&info.thumb_hash).await.unwrap().is_some());
    assert_eq!(stored_count(&backend).await, 2);
    match &backend {
        Backend::Sqlite(db) => {
            let left: i64 = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM uploads", [], |r| r.get(0))?))
                .await
                .unwrap();
            assert_eq!(left, 0, "the old rows are gone");
        }
        Backend::Mongo(db) => {
            let with_bytes = db
                .collection::<Document>("uploads")
                .count_documents(doc! { "bytes": { "$exists": true } })
                .await
                .unwrap();
            assert_eq!(with_bytes, 0, "the old bytes are gone from the documents");
        }
    }
}

// ---- Over HTTP ----

/// Sends one request (`body`, if any, with its length) and reads the answer: status, head and
/// body bytes. The server may answer (and stop reading) before the body is all sent.
async fn exchange(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut all = vec![("Host", "localhost"), ("Connection", "close")];
    all.extend_from_slice(headers);
    let head = veche_core::testing::http::request_head(method, path, &all, body.map(<[u8]>::len));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body.unwrap_or_default()).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    exchange(addr, "POST", path, headers, Some(body)).await
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    exchange(addr, "GET", path, &[], None).await
}

async fn get_with(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, Vec<u8>) {
    exchange(addr, "GET", path, headers, None).await
}

/// `POST /api/v1/uploads` and `/media/{hash}`, `/media/{hash}/thumb`: a 20 MB body is refused
/// unread (413), a text file by its content (422), a photo kept without its position with
/// the addresses of the picture and its thumbnail, both served for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_uploaded_and_served_over_http() {
    use veche_core::feature::Feature;
    use veche_core::testing::server;
    let (backend, _dir) = server::sqlite();
    let platform = server::platform_on(
        backend.clone(),
        server::PlatformSpec::default(),
        std::sync::Arc::new(veche_core::testing::notify::Recorder::default()),
    )
    .await;
    let running = veche_core::accounts_web::AccountsFeature
        .start(platform.clone())
        .await
        .unwrap();
    let addr = server::serve(&platform, running.routes().unwrap()).await;
    let user = server::user(&platform, &[veche_core::accounts::model::Role::Resident]).await;
    let auth = [
        ("Authorization", user.bearer.as_str()),
        ("Content-Type", "image/jpeg"),
    ];

    let (status, _, body) = post(addr, "/api/v1/uploads", &auth, &vec![0xFF; 20 << 20]).await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = post(
        addr,
        "/api/v1/uploads",
        &auth,
        b"just text, called photo.jpg",
    )
    .await;
    assert_eq!(status, 422);
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["reason"], "not_an_image");
    assert_eq!(stored_count(&backend).await, 0);

    let raw = with_exif(&jpeg(2000, 1000), 1);
    let (status, _, body) = post(addr, "/api/v1/uploads", &auth, &raw).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let hash = sent["hash"].as_str().unwrap();
    assert_eq!(sent["url"], format!("/media/{hash}"));
    assert_eq!(sent["thumb_url"], format!("/media/{hash}/thumb"));
    assert_eq!(sent["status"], "processing");

    // No background worker runs yet: the upload waits, and nothing of it is served: its
    // addresses show the placeholder, never cached.
    for path in [format!("/media/{hash}"), format!("/media/{hash}/thumb")] {
        let (status, head, body) = get(addr, &path).await;
        assert_eq!(status, 200, "{path}");
        let head = head.to_ascii_lowercase();
        assert!(head.contains("content-type: image/svg+xml"), "{head}");
        assert!(head.contains("cache-control: no-store"), "{head}");
        assert_eq!(
            body,
            veche_core::web::uploads::PROCESSING_PLACEHOLDER.as_bytes()
        );
        assert!(!body.windows(11).any(|w| w == b"GPSLatitude"));
    }
    // Its state, for API clients.
    let status_path = format!("/api/v1/uploads/{hash}");
    let (status, _, body) = get_with(addr, &status_path, &auth[..1]).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let state: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(state["status"], "processing");
    assert_eq!(state["hash"], hash);
    let zeros = "0".repeat(64);
    assert_eq!(
        get_with(addr, &format!("/api/v1/uploads/{zeros}"), &auth[..1])
            .await
            .0,
        404
    );
    assert_eq!(
        get_with(addr, "/api/v1/uploads/nope", &auth[..1]).await.0,
        404
    );
    assert_eq!(get(addr, &status_path).await.0, 401, "signed in only");
    // The worker (as `veche worker` or `veche serve` with the workers on starts it).
    running.spawn_work();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (status, head, picture) = loop {
        let answer = get(addr, &format!("/media/{hash}")).await;
        if !answer.1.to_ascii_lowercase().contains("image/svg+xml") || Instant::now() > deadline {
            break answer;
        }
        tokio::task::yield_now().await;
    };
    let (_, _, body) = get_with(addr, &status_path, &auth[..1]).await;
    let state: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(state["status"], "ready");
    assert_eq!(status, 200, "processed within the deadline");
    assert_ne!(picture, raw, "never the file sent");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: image/jpeg"),
        "{head}"
    );
    assert!(head.contains("immutable"), "{head}");
    assert_eq!(gps_latitude(&picture), None);
    let picture = image::load_from_memory(&picture).unwrap();
    assert_eq!((picture.width(), picture.height()), (1600, 800));
    let (status, head, thumb) = get(addr, &format!("/media/{hash}/thumb")).await;
    assert_eq!(status, 200);
    assert!(head.contains("immutable"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-content-type-options: nosniff"),
        "{head}"
    );
    let thumb = image::load_from_memory_with_format(&thumb, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 160));
    assert_eq!(get(addr, &format!("/media/{zeros}/thumb")).await.0, 404);
    assert_eq!(
        get(addr, "/media/..%2F..%2Fveche.sqlite3/thumb").await.0,
        404
    );
}

veche_core::contract_tests!(
    uploads_round_trip_once_by_hash,
    a_photo_is_kept_without_its_location,
    an_unreadable_photo_is_dropped_and_recorded,
    two_servers_process_each_upload_once,
    the_same_picture_put_at_once_is_kept_once,
    refused_files_leave_nothing_behind,
    pictures_kept_the_old_way_move_when_the_store_opens,
);
