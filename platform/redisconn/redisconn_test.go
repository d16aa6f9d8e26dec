package redisconn_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"fedstack/platform/platformtest"
	"fedstack/platform/redisconn"
)

func TestOpen(t *testing.T) {
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := redisconn.Ping(context.Background(), rdb); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSaysWhatToDo(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	_, err := redisconn.Open(context.Background(), "redis://"+addr+"/0")
	if err == nil || !strings.Contains(err.Error(), "redis at "+addr+" does not answer") || !strings.Contains(err.Error(), "redis-server --daemonize yes") {
		t.Errorf("err = %v", err)
	}
	if _, err := redisconn.Open(context.Background(), "http://nope"); err == nil {
		t.Error("bad URL accepted")
	}
}
