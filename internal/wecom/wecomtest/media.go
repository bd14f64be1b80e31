package wecomtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
)

// PathMediaUpload is the temporary media upload.
const PathMediaUpload = "/cgi-bin/media/upload"

func init() {
	routes[PathMediaUpload] = route{auth: true, handle: (*Server).mediaUpload}
	errmsgs[40004] = "invalid media type"
	errmsgs[41005] = "media data missing"
	errmsgs[44001] = "empty media data"
}

// Upload is one file sent to media/upload, as ParseUpload reads it back
// from a recorded Call.
type Upload struct {
	Type        string // the type query parameter: image, voice, video, file
	Filename    string
	ContentType string
	Data        []byte
}

// ParseUpload reads the media part of a recorded media/upload call.
func ParseUpload(c Call) (Upload, error) {
	u := Upload{Type: c.Query.Get("type")}
	part, err := mediaPart(c.Body)
	if err != nil {
		return u, err
	}
	u.Filename, u.ContentType = part.FileName(), part.Header.Get("Content-Type")
	u.Data, err = io.ReadAll(part)
	return u, err
}

// mediaPart finds the part named media. The fake does not see request
// headers, so the boundary is read from the body's first line.
func mediaPart(body []byte) (*multipart.Part, error) {
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	boundary, found := bytes.CutPrefix(line, []byte("--"))
	if !found || len(boundary) == 0 {
		return nil, errors.New("body is not multipart/form-data")
	}
	r := multipart.NewReader(bytes.NewReader(body), string(boundary))
	for {
		part, err := r.NextPart()
		if err != nil {
			return nil, errors.New("no part named media")
		}
		if _, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err == nil && params["name"] == "media" {
			return part, nil
		}
	}
}

// mediaUpload answers media/upload (doc 90253): a multipart form with a
// part named media, of a known type. An empty file answers 44001, a missing
// part 41005, an unknown type 40004; otherwise a new media_id, valid three
// days from created_at.
func (s *Server) mediaUpload(r *request) result {
	switch r.query.Get("type") {
	case "image", "voice", "video", "file":
	default:
		return fail(40004, "")
	}
	part, err := mediaPart(r.body)
	if err != nil {
		return fail(41005, err.Error())
	}
	data, err := io.ReadAll(part)
	if err != nil {
		return fail(41005, err.Error())
	}
	if len(data) == 0 {
		return fail(44001, "")
	}
	return ok(map[string]any{
		"type": r.query.Get("type"), "media_id": s.st.newID("MEDIA"),
		"created_at": strconv.FormatInt(s.now().Unix(), 10),
	})
}
