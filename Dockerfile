# Gatehouse in a container: the build stage makes the Debian package (scripts/package.sh's
# steps), the runtime stage installs it as the package test proves it works (apt resolves
# its Depends), then runs it as a non-root user on the packaged config.
#   docker build -t gatehouse .
#   docker run -p 8000:8000 -v gatehouse-cache:/var/cache/gatehouse gatehouse
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh --build
COPY . .
RUN cmake --preset release -DGATEHOUSE_BUILD_TESTS=OFF -DGATEHOUSE_BUILD_BENCHMARKS=OFF \
 && cmake --build --preset release \
 && cpack --config build/release/CPackConfig.cmake -B /packages

FROM debian:12
COPY --from=build /packages/gatehouse_*_amd64.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/gatehouse_*_amd64.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/*.deb \
 && useradd --system --no-create-home --shell /usr/sbin/nologin gatehouse \
 && install -d -o gatehouse -g gatehouse -m 0700 /var/cache/gatehouse
USER gatehouse
EXPOSE 8000
VOLUME ["/etc/gatehouse", "/var/cache/gatehouse"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["gatehouse", "--config", "/etc/gatehouse/config.toml"]
CMD ["--listen", "0.0.0.0:8000"]
