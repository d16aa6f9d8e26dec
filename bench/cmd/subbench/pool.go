package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"fedstack/bench/internal/gqlclient"
)

// A pool holds websocket connections and their subscriptions, all of ramp users. The ramp
// spreads its connections over several pools, each in a worker process of its own, because
// one process may hold only as many sockets as its open-files limit allows (the same limit
// as the router's), and the router, not the load generator, should be what gives first.

// command is what the coordinator asks a pool to do (one JSON line to a worker).
type command struct {
	Op string `json:"op"` // init, open, addsubs, count, closelast
	// init
	URL         string        `json:"url,omitempty"`
	Tokens      []string      `json:"tokens,omitempty"`
	Users       int           `json:"users,omitempty"` // token t belongs to user t mod Users (0: Users = len(Tokens))
	LocalIP     string        `json:"localIP,omitempty"`
	Concurrency int           `json:"concurrency,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	// open: connections First … First+N-1 (connection k uses token k mod len(Tokens)),
	// each with one subscription; addsubs: N more subscriptions on the open connections,
	// round-robin; closelast: close the N connections opened last (with a close handshake;
	// at the end, when its stdin ends, a worker drops its connections without one). Timeout, on open,
	// replaces the init one for these connections.
	First int `json:"first,omitempty"`
	N     int `json:"n,omitempty"`
	// count: how many subscriptions saw probe round Round; Times adds when each did.
	Round int64 `json:"round,omitempty"`
	Times bool  `json:"times,omitempty"`
}

// reply is a pool's answer to one command.
type reply struct {
	// Conns and Subs are held: open connections and their subscriptions the server has
	// not ended.
	Conns int `json:"conns"`
	Subs  int `json:"subs"`
	// Opened and Failed count this command's new connections (or subscriptions).
	Opened     int    `json:"opened,omitempty"`
	Failed     int    `json:"failed,omitempty"`
	FirstError string `json:"firstError,omitempty"`
	// Seen subscriptions received probe round Round (or a later one).
	Seen int `json:"seen,omitempty"`
	// Lost connections ended without the pool closing them; Ended subscriptions were
	// ended by the server; Bad events were not what was asked for. ConnError is the first
	// such problem.
	Lost      int    `json:"lost,omitempty"`
	Ended     int    `json:"ended,omitempty"`
	Bad       int64  `json:"bad,omitempty"`
	ConnError string `json:"connError,omitempty"`
	// Users and At: for each subscription whose latest round is Round, its user and when it
	// received the round (Unix ns); with Times only.
	Users []int   `json:"users,omitempty"`
	At    []int64 `json:"at,omitempty"`
	// Err: the command itself failed.
	Err string `json:"err,omitempty"`
}

type pool struct {
	dialer      *gqlclient.WSDialer
	tokens      []string
	users       int
	concurrency int
	timeout     time.Duration

	mu    sync.Mutex
	conns []*wsConn
	rr    int // next connection to get an extra subscription
}

func newPool(init command) (*pool, error) {
	if len(init.Tokens) == 0 {
		return nil, errors.New("no tokens")
	}
	if init.Concurrency < 1 || init.Timeout <= 0 {
		return nil, errors.New("concurrency and timeout must be above 0")
	}
	d, err := gqlclient.NewWSDialer(init.URL, init.LocalIP, init.Timeout)
	if err != nil {
		return nil, err
	}
	users := init.Users
	if users <= 0 || users > len(init.Tokens) {
		users = len(init.Tokens)
	}
	return &pool{dialer: d, tokens: init.Tokens, users: users, concurrency: init.Concurrency, timeout: init.Timeout}, nil
}

func (p *pool) do(cmd command) reply {
	var r reply
	switch cmd.Op {
	case "open":
		d := p.dialer
		if cmd.Timeout > 0 { // a shorter wait, for connections expected to fail
			short := *p.dialer
			short.Timeout = cmd.Timeout
			d = &short
		}
		r = p.open(d, cmd.First, cmd.N)
	case "addsubs":
		r = p.addSubs(cmd.N)
	case "count":
		r = p.count(cmd.Round, cmd.Times)
		return r
	case "closelast":
		p.closeLast(cmd.N)
	default:
		return reply{Err: fmt.Sprintf("unknown command %q", cmd.Op)}
	}
	held := p.count(0, false)
	r.Conns, r.Subs, r.Lost, r.Ended, r.Bad, r.ConnError = held.Conns, held.Subs, held.Lost, held.Ended, held.Bad, held.ConnError
	return r
}

// open opens connections first … first+n-1, each with one subscription, concurrency at once.
func (p *pool) open(d *gqlclient.WSDialer, first, n int) reply {
	var mu sync.Mutex
	var r reply
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	ctx := context.Background()
	for k := first; k < first+n; k++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t := k % len(p.tokens)
			c, err := dial(ctx, d, p.tokens[t], t%p.users, nil)
			if err == nil {
				if err = c.subscribe(ctx, p.timeout); err != nil {
					c.close()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Failed++
				if r.FirstError == "" {
					r.FirstError = err.Error()
				}
				return
			}
			r.Opened++
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
		}()
	}
	wg.Wait()
	return r
}

// addSubs starts n more subscriptions, one per open connection in turn.
func (p *pool) addSubs(n int) reply {
	var r reply
	p.mu.Lock()
	var targets []*wsConn
	for i := 0; i < n && len(p.conns) > 0; i++ {
		targets = append(targets, p.conns[p.rr%len(p.conns)])
		p.rr++
	}
	p.mu.Unlock()
	var mu sync.Mutex
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	for _, c := range targets {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := c.subscribe(context.Background(), p.timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Failed++
				if r.FirstError == "" {
					r.FirstError = err.Error()
				}
				return
			}
			r.Opened++
		}()
	}
	wg.Wait()
	if len(targets) < n {
		r.Failed += n - len(targets)
		if r.FirstError == "" {
			r.FirstError = "no open connection to add subscriptions to"
		}
	}
	return r
}

// count reports what the pool holds and how many subscriptions saw round (0: none asked).
func (p *pool) count(round int64, times bool) reply {
	p.mu.Lock()
	conns := p.conns
	p.mu.Unlock()
	var r reply
	for _, c := range conns {
		if c.closed.Load() {
			r.Lost++
			if r.ConnError == "" {
				r.ConnError = c.err()
			}
			continue
		}
		r.Conns++
		for _, s := range c.subscriptions() {
			r.Bad += s.bad.Load()
			if s.ended.Load() {
				r.Ended++
				continue
			}
			r.Subs++
			got := s.round.Load()
			if round > 0 && got >= round {
				r.Seen++
				if times && got == round {
					r.Users = append(r.Users, c.user)
					r.At = append(r.At, s.roundAt.Load())
				}
			}
		}
		if r.ConnError == "" && (r.Bad > 0 || r.Ended > 0) {
			r.ConnError = c.err()
		}
	}
	return r
}

// closeLast closes the n connections opened last, with a close handshake.
func (p *pool) closeLast(n int) {
	p.mu.Lock()
	n = min(n, len(p.conns))
	gone := p.conns[len(p.conns)-n:]
	p.conns = p.conns[:len(p.conns)-n]
	p.mu.Unlock()
	closeAll(gone, true)
}

// closeAll drops every connection without a close handshake.
func (p *pool) closeAll() {
	p.mu.Lock()
	gone := p.conns
	p.conns = nil
	p.mu.Unlock()
	closeAll(gone, false)
}

// closeAll closes conns, normally (close handshake) or at once.
func closeAll(conns []*wsConn, normally bool) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, c := range conns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if normally {
				c.closeNormally()
			} else {
				c.close()
			}
		}()
	}
	wg.Wait()
}

// runWorker is the worker process: an init command, then one reply per command, until
// stdin ends; then it closes every connection and returns.
func runWorker(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var init command
	if err := dec.Decode(&init); err != nil {
		return fmt.Errorf("reading the init command: %w", err)
	}
	p, err := newPool(init)
	if err != nil {
		_ = enc.Encode(reply{Err: err.Error()})
		return err
	}
	if err := enc.Encode(reply{}); err != nil {
		return err
	}
	defer p.closeAll()
	for {
		var cmd command
		if err := dec.Decode(&cmd); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading a command: %w", err)
		}
		if err := enc.Encode(p.do(cmd)); err != nil {
			return err
		}
	}
}

// shard is the coordinator's handle on one pool.
type shard interface {
	do(cmd command) (reply, error)
	pid() int // the worker process, 0 when in this process
	close()
}

// localShard runs a pool in this process (tests, and -workers 0).
type localShard struct{ p *pool }

func newLocalShard(init command) (*localShard, error) {
	p, err := newPool(init)
	if err != nil {
		return nil, err
	}
	return &localShard{p: p}, nil
}

func (s *localShard) do(cmd command) (reply, error) {
	r := s.p.do(cmd)
	if r.Err != "" {
		return r, errors.New(r.Err)
	}
	return r, nil
}
func (s *localShard) pid() int { return 0 }
func (s *localShard) close()   { s.p.closeAll() }

// procShard runs a pool in a worker process: this executable with -worker.
type procShard struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	dec   *json.Decoder
	enc   *json.Encoder
	mu    sync.Mutex
}

func newProcShard(init command) (*procShard, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-worker")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting a worker: %w", err)
	}
	s := &procShard{cmd: cmd, stdin: stdin, dec: json.NewDecoder(bufio.NewReaderSize(stdout, 1<<16)), enc: json.NewEncoder(stdin)}
	if _, err := s.do(init); err != nil {
		s.close()
		return nil, fmt.Errorf("worker init: %w", err)
	}
	return s, nil
}

func (s *procShard) do(cmd command) (reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r reply
	if err := s.enc.Encode(cmd); err != nil {
		return r, fmt.Errorf("worker %d: %w", s.cmd.Process.Pid, err)
	}
	if err := s.dec.Decode(&r); err != nil {
		return r, fmt.Errorf("worker %d stopped answering: %w", s.cmd.Process.Pid, err)
	}
	if r.Err != "" {
		return r, errors.New(r.Err)
	}
	return r, nil
}

func (s *procShard) pid() int { return s.cmd.Process.Pid }

// close ends the worker: it closes its connections when its stdin ends.
func (s *procShard) close() {
	_ = s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
