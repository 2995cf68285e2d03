# The crmbulk image for scheduled exports (Kubernetes CronJob, docker run from
# cron or systemd). Build it from the repository root:
#   docker build -t crmbulk:1.0.0 --build-arg VERSION=1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) .
# Run it with the token mounted as a file, never passed as a value:
#   docker run --rm -v "$PWD/token:/run/secrets/crmbulk/token:ro" -v "$PWD/exports:/exports" \
#     crmbulk:1.0.0 --token-file /run/secrets/crmbulk/token --log-format json export --out '/exports/clients-{date}.xlsx'

# Build stage: a static binary (no C library needed at run time).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG DATE=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -buildid= -X main.releaseVersion=${VERSION} -X main.releaseCommit=${COMMIT} -X main.releaseDate=${DATE}" -o /out/crmbulk ./cmd/crmbulk

# Run stage: distroless static has CA certificates (for https://api.baselinker.com), no
# shell and no package manager, and a non-root user (nonroot, uid 65532: the CronJob's
# runAsUser).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crmbulk /usr/local/bin/crmbulk
USER 65532:65532
WORKDIR /home/nonroot
# The token's shared request window (see the README) is kept where every crmbulk of the machine
# keeps it, /var/tmp/crmbulk: mount the host's folder there (-v /var/tmp/crmbulk:/var/tmp/crmbulk,
# or a shared volume in Kubernetes) so that the container shares the window with the other runs.
ENTRYPOINT ["/usr/local/bin/crmbulk"]
CMD ["--help"]
