# Shared by the bench/growth scripts (sourced, after they set $dir, their temp dir): a free port,
# and starting, waiting for and stopping the gateway under test ($bin on $port with
# $dir/config.yaml, logging to $dir/gateway.log, answering on $url; its pid in $gw_pid).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# SIGTERM to $gw_pid, SIGKILL if it is still there after 30 s; then $gw_pid is empty.
stop_gw() {
  [ -n "$gw_pid" ] || return 0
  kill -TERM "$gw_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$gw_pid" 2>/dev/null || true
  wait "$gw_pid" 2>/dev/null || true
  gw_pid=
}

ready() { curl -sf "$url/health/liveliness" >/dev/null 2>&1; }
start_gw() { # [wrapper...]: starts the gateway, sets gw_pid
  "$@" "$bin" --config "$dir/config.yaml" --host 127.0.0.1 --port "$port" --workers 1 \
    >>"$dir/gateway.log" 2>&1 &
  gw_pid=$!
}
wait_ready() { # tries (10 ms each)
  for _ in $(seq "$1"); do ready && return 0; kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.01; done
  echo "gateway not ready" >&2; tail -20 "$dir/gateway.log" >&2; exit 1
}
