package realtime

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"fedstack/subgraphs/todos"
)

// appendOnlyScript is publishScript without the PUBLISH: a change whose pub/sub message was
// lost (as on a Redis reconnect).
var appendOnlyScript = redis.NewScript(`
local prev = '0-0'
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then prev = top[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', '` + fieldPrev + `', prev, '` + fieldChange + `', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
`)

// AppendWithoutPublishing logs c like Publish but publishes nothing, setting c.Cursor.
func AppendWithoutPublishing(ctx context.Context, f *Feed, c *todos.TodoChange) error {
	payload, err := json.Marshal(c)
	if err != nil {
		return err
	}
	id, err := appendOnlyScript.Run(ctx, f.rdb, []string{StreamKey(c.OwnerID)},
		payload, f.opts.MaxLen, f.opts.Retention.Milliseconds()).Text()
	c.Cursor = id
	return err
}
