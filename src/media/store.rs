//! Where the bytes of media files are kept, chosen by `BANTIN_MEDIA_STORE`: in the database (the
//! default, nothing else to run), in a directory, or in any S3-compatible object store. The
//! records and their file metadata are always in the database; only the bytes move.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use diesel::prelude::*;
use object_store::{ObjectStore, ObjectStoreExt};

use super::process::Variant;
use crate::db::schema::media_blobs;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// One file of one media record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKey {
    pub media_id: i64,
    pub variant: Variant,
}

impl FileKey {
    pub fn new(media_id: i64, variant: Variant) -> Self {
        Self { media_id, variant }
    }

    /// `<media id>/<variant>`: the path under a directory or an object-store prefix.
    pub fn path(&self) -> String {
        format!("{}/{}", self.media_id, self.variant.as_str())
    }
}

/// Keeps and returns the bytes of media files.
pub trait MediaStore: Send + Sync {
    /// Keeps `bytes` under `key`, replacing whatever was there.
    fn put(&self, key: FileKey, bytes: Vec<u8>) -> LocalFuture<'_, ApiResult<()>>;
    /// The bytes under `key`, or `None` when nothing is kept there.
    fn get(&self, key: FileKey) -> LocalFuture<'_, ApiResult<Option<Bytes>>>;
    /// Forgets `key`; nothing kept there is not an error.
    fn delete(&self, key: FileKey) -> LocalFuture<'_, ApiResult<()>>;
}

pub use crate::config::{StoreSetting, AWS_VARIABLES};

/// Opens the store a setting names. A directory is created when missing; an S3 client is
/// configured but not contacted.
pub fn open(setting: &StoreSetting, db: &Db) -> Result<Arc<dyn MediaStore>, String> {
    match setting {
        StoreSetting::Db => Ok(Arc::new(DbStore::new(db.clone()))),
        StoreSetting::File(root) => {
            std::fs::create_dir_all(root)
                .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
            Ok(Arc::new(FileStore { root: root.clone() }))
        }
        StoreSetting::S3 {
            bucket,
            prefix,
            options,
        } => {
            let mut builder = object_store::aws::AmazonS3Builder::new().with_bucket_name(bucket);
            let mut region = false;
            for (name, value) in options {
                let name = match name.as_str() {
                    "aws_default_region" if options.iter().any(|(n, _)| n == "aws_region") => {
                        continue
                    }
                    "aws_default_region" => "aws_region",
                    other => other,
                };
                region |= name == "aws_region";
                let key = name
                    .parse()
                    .map_err(|e| format!("{}: {e}", name.to_ascii_uppercase()))?;
                builder = builder.with_config(key, value);
                if name.starts_with("aws_endpoint") && value.starts_with("http://") {
                    builder = builder.with_allow_http(true);
                }
            }
            if !region {
                builder = builder.with_region("us-east-1");
            }
            let store = builder.build().map_err(|e| e.to_string())?;
            Ok(Arc::new(S3Store {
                store: Arc::new(store),
                prefix: prefix.clone(),
            }))
        }
    }
}

/// Bytes in the `media_blobs` table, on either backend.
pub struct DbStore {
    db: Db,
}

impl DbStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl MediaStore for DbStore {
    fn put(&self, key: FileKey, bytes: Vec<u8>) -> LocalFuture<'_, ApiResult<()>> {
        Box::pin(self.db.write(move |conn| {
            diesel::delete(blob(key)).execute(conn)?;
            diesel::insert_into(media_blobs::table)
                .values((
                    media_blobs::media_id.eq(key.media_id),
                    media_blobs::variant.eq(key.variant.as_str()),
                    media_blobs::bytes.eq(bytes),
                ))
                .execute(conn)?;
            Ok(())
        }))
    }

    fn get(&self, key: FileKey) -> LocalFuture<'_, ApiResult<Option<Bytes>>> {
        Box::pin(self.db.run(move |conn| {
            let bytes: Option<Vec<u8>> = blob(key)
                .select(media_blobs::bytes)
                .first(conn)
                .optional()?;
            Ok(bytes.map(Bytes::from))
        }))
    }

    fn delete(&self, key: FileKey) -> LocalFuture<'_, ApiResult<()>> {
        Box::pin(self.db.write(move |conn| {
            diesel::delete(blob(key)).execute(conn)?;
            Ok(())
        }))
    }
}

/// The row of one file in `media_blobs`.
type BlobRow = diesel::dsl::Filter<
    media_blobs::table,
    diesel::dsl::And<
        diesel::dsl::Eq<media_blobs::media_id, i64>,
        diesel::dsl::Eq<media_blobs::variant, &'static str>,
    >,
>;

fn blob(key: FileKey) -> BlobRow {
    media_blobs::table.filter(
        media_blobs::media_id
            .eq(key.media_id)
            .and(media_blobs::variant.eq(key.variant.as_str())),
    )
}

/// Files under a directory: `<root>/<media id>/<variant>`, written to a temporary name and
/// renamed, so a reader never sees half a file.
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    fn path(&self, key: FileKey) -> PathBuf {
        self.root.join(key.path())
    }
}

fn io_error(what: &str, e: std::io::Error) -> ApiError {
    ApiError::internal(format!("media store: {what}: {e}"))
}

impl MediaStore for FileStore {
    fn put(&self, key: FileKey, bytes: Vec<u8>) -> LocalFuture<'_, ApiResult<()>> {
        let path = self.path(key);
        Box::pin(async move {
            actix_web::web::block(move || {
                let dir = path.parent().unwrap_or(&path).to_path_buf();
                std::fs::create_dir_all(&dir).map_err(|e| io_error("creating a directory", e))?;
                let tmp = dir.join(format!(
                    ".{}.{:016x}.tmp",
                    key.variant.as_str(),
                    rand::random::<u64>()
                ));
                std::fs::write(&tmp, &bytes).map_err(|e| io_error("writing", e))?;
                std::fs::rename(&tmp, &path).map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    io_error("renaming", e)
                })
            })
            .await?
        })
    }

    fn get(&self, key: FileKey) -> LocalFuture<'_, ApiResult<Option<Bytes>>> {
        let path = self.path(key);
        Box::pin(async move {
            actix_web::web::block(move || match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(Bytes::from(bytes))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io_error("reading", e)),
            })
            .await?
        })
    }

    fn delete(&self, key: FileKey) -> LocalFuture<'_, ApiResult<()>> {
        let path = self.path(key);
        Box::pin(async move {
            actix_web::web::block(move || {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error("removing", e)),
                }
                // The record's directory goes with its last file.
                if let Some(dir) = path.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
                Ok(())
            })
            .await?
        })
    }
}

/// Objects in an S3-compatible bucket: `<prefix>/<media id>/<variant>`.
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl S3Store {
    fn path(&self, key: FileKey) -> object_store::path::Path {
        if self.prefix.is_empty() {
            object_store::path::Path::from(key.path())
        } else {
            object_store::path::Path::from(format!("{}/{}", self.prefix, key.path()))
        }
    }
}

fn s3_error(what: &str, e: object_store::Error) -> ApiError {
    ApiError::internal(format!("media store: {what}: {e}"))
}

impl MediaStore for S3Store {
    fn put(&self, key: FileKey, bytes: Vec<u8>) -> LocalFuture<'_, ApiResult<()>> {
        let path = self.path(key);
        Box::pin(async move {
            self.store
                .put(&path, object_store::PutPayload::from(bytes))
                .await
                .map_err(|e| s3_error("writing", e))?;
            Ok(())
        })
    }

    fn get(&self, key: FileKey) -> LocalFuture<'_, ApiResult<Option<Bytes>>> {
        let path = self.path(key);
        Box::pin(async move {
            match self.store.get(&path).await {
                Ok(found) => Ok(Some(
                    found.bytes().await.map_err(|e| s3_error("reading", e))?,
                )),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(s3_error("reading", e)),
            }
        })
    }

    fn delete(&self, key: FileKey) -> LocalFuture<'_, ApiResult<()>> {
        let path = self.path(key);
        Box::pin(async move {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s3_error("removing", e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_parsed_by_scheme() {
        let none = |_: &str| None;
        assert_eq!(StoreSetting::parse("db", none), Ok(StoreSetting::Db));
        assert_eq!(
            StoreSetting::parse("file:///var/lib/bantin/media", none),
            Ok(StoreSetting::File(PathBuf::from("/var/lib/bantin/media")))
        );
        let s3 = StoreSetting::parse("s3://anh/bantin/media/", |name| {
            (name == "AWS_SECRET_ACCESS_KEY").then(|| "hunter2".to_owned())
        })
        .unwrap();
        assert!(
            matches!(&s3, StoreSetting::S3 { bucket, prefix, .. } if bucket == "anh" && prefix == "bantin/media")
        );
        assert!(!format!("{s3:?}").contains("hunter2"));
        for bad in ["ftp://x/y", "s3:///nobucket", "somewhere"] {
            assert!(StoreSetting::parse(bad, none).is_err(), "{bad}");
        }
    }
}
