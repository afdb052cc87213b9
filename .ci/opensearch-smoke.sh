#!/usr/bin/env bash
# Smoke test of the two-node test cluster of .ci/opensearch.sh (which must be
# started): everything the OpenSearch back end of issue 15 relies on, by curl.
#   - an index of 2 shards and 1 replica, a text field with the core
#     `whitespace` analyzer (pre-analysed tokens), keywords, dates, _meta
#   - _bulk; match and match_phrase with search_type=dfs_query_then_fetch
#   - a terms aggregation counted before a post_filter; date sort
#   - an alias moved with _aliases (remove + add in one call)
#   - node os2 stopped: the cluster is yellow and every query still answers
#     with no failed shard; os2 restarted: green again
# Exits non-zero at the first failed check. Leaves no index behind.
set -euo pipefail
cd "$(dirname "$0")/.."

OS=${OPENSEARCH_URL:-http://127.0.0.1:9201}
OS2=${OPENSEARCH_URL2:-http://127.0.0.1:9202}
IDX=gongkai-smoke-1
IDX2=gongkai-smoke-2
ALIAS=gongkai-smoke
passed=0
failed=0
node2_stopped=0

command -v python3 >/dev/null || { echo "smoke: python3 is needed to read JSON" >&2; exit 1; }

cleanup() {
  local rc=$?
  if [ "$node2_stopped" = 1 ]; then
    echo "smoke: restarting os2, stopped by this test" >&2
    bash .ci/opensearch.sh start-node 2 >&2 || true
  fi
  curl -s -o /dev/null -X DELETE "$OS/$IDX,$IDX2?ignore_unavailable=true" || true
  exit $rc
}
trap cleanup EXIT

fail() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
  echo "smoke: $passed passed, $failed failed"
  exit 1
}

# req METHOD URL [BODY] -> response body in $BODY; fails on HTTP >= 400.
req() {
  local method=$1 url=$2 data=${3:-} code ctype=application/json
  case "$url" in */_bulk*) ctype=application/x-ndjson;; esac
  if [ -n "$data" ]; then
    code=$(curl -s -o /tmp/gongkai-smoke.$$ -w '%{http_code}' --max-time 60 -X "$method" \
      -H "Content-Type: $ctype" --data-binary "$data" "$url") || code=000
  else
    code=$(curl -s -o /tmp/gongkai-smoke.$$ -w '%{http_code}' --max-time 60 -X "$method" "$url") || code=000
  fi
  BODY=$(cat /tmp/gongkai-smoke.$$ 2>/dev/null || true)
  rm -f /tmp/gongkai-smoke.$$
  if [ "$code" = 000 ]; then
    fail "$method $url: no answer (is the cluster started? bash .ci/opensearch.sh start)"
  fi
  if [ "$code" -ge 400 ] 2>/dev/null; then
    fail "$method $url -> HTTP $code: $BODY"
  fi
}

# check NAME PYTHON-EXPRESSION: the expression over `j` (the last JSON body) must be true.
check() {
  local name=$1 expr=$2
  if BODY="$BODY" python3 -c "
import json, os, sys
j = json.loads(os.environ['BODY'])
sys.exit(0 if ($expr) else 1)
" 2>/tmp/gongkai-smoke-err.$$; then
    passed=$((passed + 1))
    echo "ok - $name"
  else
    cat /tmp/gongkai-smoke-err.$$ >&2; rm -f /tmp/gongkai-smoke-err.$$
    fail "$name: expected $expr; got $BODY"
  fi
  rm -f /tmp/gongkai-smoke-err.$$
}

MAPPING='{
  "settings": {"number_of_shards": 2, "number_of_replicas": 1},
  "mappings": {
    "_meta": {"gongkai": {"analysis": "smoke-test"}},
    "properties": {
      "words":     {"type": "text", "analyzer": "whitespace"},
      "category":  {"type": "keyword"},
      "publisher": {"type": "keyword"},
      "date":      {"type": "date"},
      "title":     {"type": "text", "index": false, "store": true}
    }
  }
}'

echo "== cluster"
req GET "$OS/_cluster/health?wait_for_status=green&wait_for_nodes=2&timeout=30s"
check "cluster green with 2 nodes" 'j["status"] == "green" and j["number_of_nodes"] == 2'
req GET "$OS/"
check "OpenSearch answers" 'j["version"]["distribution"] == "opensearch"'
echo "   version $(BODY=$BODY python3 -c 'import json,os; print(json.loads(os.environ["BODY"])["version"]["number"])')"

echo "== core analyzers"
req POST "$OS/_analyze" '{"analyzer": "whitespace", "text": "财政 預算 文号:国办发〔2024〕1号 Foo"}'
check "whitespace analyzer keeps each token whole" '[t["token"] for t in j["tokens"]] == ["财政", "預算", "文号:国办发〔2024〕1号", "Foo"]'
for a in standard simple keyword stop; do
  req POST "$OS/_analyze" "{\"analyzer\": \"$a\", \"text\": \"a b\"}"
done
passed=$((passed + 1)); echo "ok - core analyzers standard, simple, keyword, stop exist"

echo "== index, _bulk"
curl -s -o /dev/null -X DELETE "$OS/$IDX,$IDX2?ignore_unavailable=true"
req PUT "$OS/$IDX" "$MAPPING"
check "index created" 'j["acknowledged"] is True'
req GET "$OS/$IDX/_settings"
check "2 shards, 1 replica" 'j["'$IDX'"]["settings"]["index"]["number_of_shards"] == "2" and j["'$IDX'"]["settings"]["index"]["number_of_replicas"] == "1"'
BULK='{"index":{"_id":"1"}}
{"words":"财政 预算 公开 2024","category":"通知","publisher":"财政局","date":"2024-01-05","title":"2024年财政预算公开"}
{"index":{"_id":"2"}}
{"words":"财政局 人事 任免","category":"通知","publisher":"人社局","date":"2024-02-01","title":"财政局人事任免"}
{"index":{"_id":"3"}}
{"words":"财政 决算 公告","category":"公告","publisher":"财政局","date":"2023-12-20","title":"財政決算公告"}
{"index":{"_id":"4"}}
{"words":"教育 财政 补助 财政","category":"政策","publisher":"教育局","date":"2024-03-10","title":"教育财政补助"}
{"index":{"_id":"5"}}
{"words":"交通 规划","category":"政策","publisher":"交通局","date":"2022-06-30","title":"交通规划"}
{"index":{"_id":"6"}}
{"words":"预算 草案","category":"公告","publisher":"财政局","date":"2024-04-01","title":"预算草案"}
'
req POST "$OS/$IDX/_bulk?refresh=wait_for" "$BULK"
check "_bulk: 6 items, no error" 'j["errors"] is False and len(j["items"]) == 6'
req GET "$OS/$IDX/_count"
check "6 documents counted on 2 shards" 'j["count"] == 6 and j["_shards"]["total"] == 2 and j["_shards"]["failed"] == 0'

# The queries run against a given node; run them before and during the node failure.
queries() {
  local url=$1 label=$2
  req POST "$url/$IDX/_search?search_type=dfs_query_then_fetch" '{"query": {"match": {"words": "财政"}}}'
  check "$label: match 财政, dfs_query_then_fetch: docs 1,3,4 (not 财政局), no failed shard" \
    'j["hits"]["total"]["value"] == 3 and sorted(h["_id"] for h in j["hits"]["hits"]) == ["1","3","4"] and j["_shards"]["failed"] == 0'
  check "$label: doc 4 (财政 twice) scores first" 'j["hits"]["hits"][0]["_id"] == "4"'
  req POST "$url/$IDX/_search?search_type=dfs_query_then_fetch" '{"query": {"match_phrase": {"words": "财政 预算"}}}'
  check "$label: phrase \"财政 预算\" (positions): doc 1 only" 'j["hits"]["total"]["value"] == 1 and j["hits"]["hits"][0]["_id"] == "1"'
  req POST "$url/$IDX/_search" '{
    "query": {"match": {"words": "财政"}},
    "aggs": {"category": {"terms": {"field": "category"}}, "year": {"date_histogram": {"field": "date", "calendar_interval": "year", "format": "yyyy"}}},
    "post_filter": {"term": {"category": "政策"}},
    "sort": [{"date": "desc"}],
    "stored_fields": ["title"]}'
  check "$label: post_filter 政策 keeps hit 4 only" 'j["hits"]["total"]["value"] == 1 and j["hits"]["hits"][0]["_id"] == "4" and j["_shards"]["failed"] == 0'
  check "$label: terms aggregation counted before the post_filter" \
    '{b["key"]: b["doc_count"] for b in j["aggregations"]["category"]["buckets"]} == {"通知": 1, "公告": 1, "政策": 1}'
  check "$label: year facet" '{b["key_as_string"]: b["doc_count"] for b in j["aggregations"]["year"]["buckets"]} == {"2023": 1, "2024": 2}'
  check "$label: stored title returned" 'j["hits"]["hits"][0]["fields"]["title"] == ["教育财政补助"]'
  req POST "$url/$ALIAS/_search" '{"query": {"bool": {"must": {"match": {"words": "预算"}}, "must_not": {"match": {"words": "公开"}}}}, "sort": [{"date": "desc"}]}'
  check "$label: through the alias: 预算 -公开, date sort" '[h["_id"] for h in j["hits"]["hits"]] == ["6"] and j["_shards"]["failed"] == 0'
}

echo "== alias moved with _aliases (remove + add in one call)"
req PUT "$OS/$IDX2" "$MAPPING"
req POST "$OS/_aliases" '{"actions": [{"add": {"index": "'$IDX2'", "alias": "'$ALIAS'"}}]}'
req GET "$OS/_alias/$ALIAS"
check "alias on $IDX2 first" 'list(j) == ["'$IDX2'"]'
req POST "$OS/_aliases" '{"actions": [{"remove": {"index": "'$IDX2'", "alias": "'$ALIAS'"}}, {"add": {"index": "'$IDX'", "alias": "'$ALIAS'"}}]}'
check "_aliases remove+add acknowledged" 'j["acknowledged"] is True'
req GET "$OS/_alias/$ALIAS"
check "alias now on $IDX only" 'list(j) == ["'$IDX'"]'
req GET "$OS/_cluster/health?wait_for_status=green&timeout=30s"
check "green after creating the indices" 'j["status"] == "green"'

echo "== queries on os1 and os2, both nodes up"
queries "$OS" os1
queries "$OS2" os2

echo "== os2 stopped"
node2_stopped=1
bash .ci/opensearch.sh stop-node 2
req GET "$OS/_cluster/health?wait_for_nodes=1&wait_for_status=yellow&timeout=60s"
check "cluster yellow with 1 node after os2 stopped" 'j["status"] == "yellow" and j["number_of_nodes"] == 1 and j["unassigned_shards"] > 0'
queries "$OS" "os1 alone"
req GET "$OS/$IDX/_count"
check "no document lost with os2 down" 'j["count"] == 6'

echo "== os2 restarted"
bash .ci/opensearch.sh start-node 2
node2_stopped=0
req GET "$OS/_cluster/health?wait_for_status=green&wait_for_nodes=2&timeout=60s"
check "green again with 2 nodes" 'j["status"] == "green" and j["number_of_nodes"] == 2'
queries "$OS2" "os2 back"

echo "smoke: $passed passed, $failed failed"
