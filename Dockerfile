# syntax=docker/dockerfile:1
# Multi-stage build: static binaries (pure-Go SQLite, no cgo) on a distroless
# base, running as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bot ./cmd/bot && \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/console ./cmd/console && \
    mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/bot /out/console /app/
COPY --from=build /src/configs /app/configs
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
USER nonroot:nonroot
ENV QUNBOT_HTTP_ADDR=:8080 QUNBOT_CONSOLE_ADDR=:8081
EXPOSE 8080 8081
VOLUME ["/app/data"]
ENTRYPOINT ["/app/bot"]
CMD ["serve"]
