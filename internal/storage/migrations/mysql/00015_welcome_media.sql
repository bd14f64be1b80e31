-- +goose Up
-- Images of welcome attachments uploaded to WeCom as temporary media
-- (media/upload): the media_id of one image URL, reused until shortly
-- before it expires (three days after the upload).
CREATE TABLE welcome_media (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url_hash   CHAR(64)     CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    media_id   VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    UNIQUE KEY welcome_media_url_hash (url_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE welcome_media;
