#!/usr/bin/env bash
# Start/stop the test SMTP server (aiosmtpd, delivering every accepted message
# into a Maildir: one file per message in MAILDIR/new/).
#
#   smtp_server.sh start [PORT MAILDIR PIDFILE [LOGFILE]]
#       start in the background in its own process group, bound to 127.0.0.1,
#       write its pid to PIDFILE, wait until it answers an SMTP greeting + NOOP
#       (deadline: $SMTP_START_TIMEOUT seconds, default 30). Exit 0 when ready.
#   smtp_server.sh stop [PIDFILE]
#       stop the server whose pid is in PIDFILE (TERM to its process group,
#       KILL after a deadline), wait until it is gone, remove PIDFILE.
#   smtp_server.sh wait [PORT [TIMEOUT]]
#       poll until a server on 127.0.0.1:PORT answers (exit 0) or time out (1).
#   smtp_server.sh cmd [PORT MAILDIR]
#       print the exact (shell-quoted) command line `start` runs.
#
# Arguments left out default to the environment scripts/test exports:
# VECHE_TEST_SMTP_PORT, VECHE_TEST_MAILDIR, VECHE_TEST_SMTP_PIDFILE,
# VECHE_TEST_SMTP_LOG. So a test simulates an SMTP outage with
# `scripts/lib/smtp_server.sh stop` and ends it with `scripts/lib/smtp_server.sh start`.
set -euo pipefail

die() { echo "smtp_server.sh: $*" >&2; exit 1; }

python_exe() {
  # The real interpreter (not a pyenv shim), so the command line is exact.
  python3 -c 'import sys; print(sys.executable)'
}

server_cmd() { # PORT MAILDIR -> fills the array CMD
  CMD=("$(python_exe)" -m aiosmtpd -n -l "127.0.0.1:$1" -c aiosmtpd.handlers.Mailbox "$2")
}

wait_ready() { # PORT TIMEOUT
  python3 - "$1" "$2" <<'EOF'
import smtplib, sys, time
port, timeout = int(sys.argv[1]), float(sys.argv[2])
deadline = time.monotonic() + timeout
last = None
while time.monotonic() < deadline:
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=2)
        code, _ = s.noop()
        s.quit()
        if code == 250:
            sys.exit(0)
        last = f"NOOP answered {code}"
    except (OSError, smtplib.SMTPException) as e:
        last = e
    time.sleep(0.1)
print(f"smtp_server.sh: no SMTP greeting on 127.0.0.1:{port} within {timeout:g}s: {last}",
      file=sys.stderr)
sys.exit(1)
EOF
}

is_alive() { # PID: running and not a zombie
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n "$st" && "$st" != Z* ]]
}

stop_pid() { # PID: TERM its process group (and it), KILL after 10 s
  local pid=$1 i
  is_alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    is_alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    is_alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

action=${1:-}
[[ $# -gt 0 ]] && shift
case "$action" in
  start)
    port=${1:-${VECHE_TEST_SMTP_PORT:-}}
    maildir=${2:-${VECHE_TEST_MAILDIR:-}}
    pidfile=${3:-${VECHE_TEST_SMTP_PIDFILE:-}}
    log=${4:-${VECHE_TEST_SMTP_LOG:-/dev/null}}
    [[ -n "$port" && -n "$maildir" && -n "$pidfile" ]] || die "start: need PORT MAILDIR PIDFILE"
    if [[ -s "$pidfile" ]] && is_alive "$(cat "$pidfile")"; then
      die "start: already running (pid $(cat "$pidfile"))"
    fi
    mkdir -p "$maildir/new" "$maildir/cur" "$maildir/tmp"
    server_cmd "$port" "$maildir"
    # Non-interactive bash: the background child is no group leader, so setsid
    # makes it the leader of a new session and process group with the same pid.
    setsid "${CMD[@]}" </dev/null >>"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$pidfile"
    if ! wait_ready "$port" "${SMTP_START_TIMEOUT:-30}"; then
      stop_pid "$pid" || true
      rm -f "$pidfile"
      exit 1
    fi
    ;;
  stop)
    pidfile=${1:-${VECHE_TEST_SMTP_PIDFILE:-}}
    [[ -n "$pidfile" ]] || die "stop: need PIDFILE"
    [[ -s "$pidfile" ]] || exit 0
    stop_pid "$(cat "$pidfile")" || die "stop: pid $(cat "$pidfile") did not exit"
    rm -f "$pidfile"
    ;;
  wait)
    port=${1:-${VECHE_TEST_SMTP_PORT:-}}
    [[ -n "$port" ]] || die "wait: need PORT"
    wait_ready "$port" "${2:-30}"
    ;;
  cmd)
    port=${1:-${VECHE_TEST_SMTP_PORT:-}}
    maildir=${2:-${VECHE_TEST_MAILDIR:-}}
    [[ -n "$port" && -n "$maildir" ]] || die "cmd: need PORT MAILDIR"
    server_cmd "$port" "$maildir"
    printf '%q ' "${CMD[@]}" | sed 's/ $//'
    echo
    ;;
  *)
    die "usage: smtp_server.sh start|stop|wait|cmd [args] (see the comment at the top)"
    ;;
esac
