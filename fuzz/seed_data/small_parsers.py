"""Seeds of durations_urls (durations, URLs, times, model names) and redis_reply (RESP2)."""

from .common import dump, seed
from .upstream_openai import oa_completion


# ------------------------------------------------------------------------------------------------
# durations_urls: one byte (which % 8 picks the parser; 0x80 gives splitModel a default
# provider), then the text.

def durations_urls_seeds():
    t = "durations_urls"
    s = lambda name, which, text: seed(t, name, [which], text)  # noqa: E731
    s("duration_30d", 0x00, "30d")
    s("duration_forms", 0x08, " 1.5mo ")
    s("url_openai", 0x01, "https://api.openai.com/v1")
    s("url_ipv6_query_fragment", 0x09,
      "HTTP://[2001:db8::42]:8080/openai/deployments/x//?api-version=2024-02-01&a=b#frag")
    s("database_sqlite", 0x02, "sqlite:///var/lib/switchyard/switchyard.db")
    s("database_postgres", 0x0A,
      "postgresql://switchyard:p%40ss@db.internal:5432/switchyard?sslmode=require")
    s("redis_password_db", 0x03, "redis://:pw@127.0.0.1:6379/0")
    s("redis_tls_user", 0x0B, "rediss://default:s3cr%3Aet@redis.example.com:6380/2?ssl_cert_reqs=none")
    s("iso_time_z", 0x04, "2026-12-07T10:00:00Z")
    s("iso_time_offset_ms", 0x0C, "2027-03-01 12:00:00.123456-05:30")
    s("traceparent", 0x05, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    s("query_target", 0x06, "/key/info?key=sk-1&page=2")
    s("query_percent_plus", 0x0E, "/spend/logs?api_key=sk%2Dabc+def&key=a%2Bb%zz%4&page&key=2")
    s("model_provider_slash", 0x07, "openai/gpt-4o")
    s("model_default_provider", 0x87, "gpt-4o-mini")


# ------------------------------------------------------------------------------------------------
# redis_reply: one byte (piece size), then what the server sends (RESP2).

def bulk(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return b"$" + str(len(b)).encode() + b"\r\n" + b + b"\r\n"


def arr(*items):
    return b"*" + str(len(items)).encode() + b"\r\n" + b"".join(items)


def integer(n):
    return b":" + str(n).encode() + b"\r\n"


def redis_seeds():
    t = "redis_reply"
    seed(t, "every_type", [1],
         b"+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n:1\r\n$1\r\nx\r\n*-1\r\n")
    entry = dump({"v": 1, "status": 200, "body": dump(oa_completion(
        {"role": "assistant", "content": "cached\r\nanswer"})), "stored": 1741569952})
    seed(t, "cache_get_hit", [7], bulk(entry))
    seed(t, "cache_miss_then_set", [0], b"$-1\r\n+OK\r\n$0\r\n\r\n")
    seed(t, "evalsha_noscript_then_eval", [3],
         b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
         + arr(integer(1), integer(0), bulk("1.25"), bulk("0"), integer(-1)))
    seed(t, "deployment_sync_eval", [9],
         arr(integer(3), integer(1200), integer(5), integer(800), integer(0), integer(0)))
    seed(t, "pubsub_subscribe_message", [5],
         arr(bulk("subscribe"), bulk("switchyard:keys"), integer(1))
         + arr(bulk("message"), bulk("switchyard:keys"),
               bulk(dump({"op": "update", "token": "88dc28d0f030c55e", "blocked": True})))
         + arr(bulk("pong"), bulk("")))
    seed(t, "nested_arrays", [2],
         arr(arr(integer(1), integer(2)), arr(arr()), b"*-1\r\n", arr(b"$-1\r\n", b"+QUEUED\r\n"))
         + b"*0\r\n")
    seed(t, "error_replies", [0],
         b"-ERR unknown command 'HELLO', with args beginning with: '3'\r\n"
         b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
         b"-LOADING Redis is loading the dataset in memory\r\n"
         b"-NOAUTH Authentication required.\r\n"
         b"-MOVED 3999 127.0.0.1:6381\r\n")
    seed(t, "integer_limits", [1],
         b":-9223372036854775808\r\n:0\r\n:9223372036854775807\r\n:+5\r\n:99999999999999999999\r\n")
    seed(t, "garbage_http", [0], b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    seed(t, "truncated_bulk", [4], b"+OK\r\n$10\r\nabc")
    seed(t, "endless_bulk_length", [0], b"$999999999999\r\nabc")
    seed(t, "binary_bulk_crlf", [6], bulk(b"a\r\nb\x00c\xff") + b"$3\r\nabcd\r\n")
    seed(t, "resp3_types", [0], b"%1\r\n+a\r\n:1\r\n_\r\n,3.14\r\n#t\r\n>2\r\n+x\r\n+y\r\n")
    seed(t, "bare_lf", [0], b"+OK\n:1\n")
