-- +goose Up
-- Images of welcome attachments uploaded to WeCom as temporary media
-- (media/upload): the media_id of one image URL, reused until shortly
-- before it expires (three days after the upload).
CREATE TABLE welcome_media (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    url_hash   TEXT     NOT NULL,
    media_id   TEXT     NOT NULL,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX welcome_media_url_hash ON welcome_media (url_hash);

-- +goose Down
DROP TABLE welcome_media;
