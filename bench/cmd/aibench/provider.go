package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"fedstack/subgraphs/ai/llm/llmtest"
)

// provider is the model provider of the benchmark: a local OpenAI-protocol server
// (llmtest) in this process, which answers each chat after a fixed time to first token
// with a fixed number of chunks at a fixed interval, and records when each request arrived
// and each chunk was sent, on the clock the client's receive times are read from.
type provider struct {
	srv      *llmtest.Server
	ttft     time.Duration
	interval time.Duration
	chunks   int

	mu    sync.Mutex
	chats map[int]*chat // by chat number, registered before the chat is sent
	byReq map[int]*chat // by the provider's request index
	// unexpected counts chat completions that belong to no registered chat.
	unexpected int
	// sent counts the chunks sent, of every chat.
	sent int64
}

// providerSide is what the provider recorded about one chat.
type providerSide struct {
	requests int       // chat completions received for the chat (1 unless the ai subgraph retried)
	arrived  time.Time // the first request's arrival
	texts    []string  // the chunks sent, by index
	emitted  []time.Time
	end      time.Time // the stream's last event flushed
}

// contentRE finds the chat number in a user message the benchmark sent.
var contentRE = regexp.MustCompile(`aibench [0-9a-f]+ chat ([0-9]+):`)

// chatContent is the message a chat sends: unique per run and chat, so no answer comes
// from the prompt cache, and the provider tells from it which chat a request is.
func chatContent(runID string, n int) string {
	return fmt.Sprintf("aibench %s chat %d: please answer in forty short words.", runID, n)
}

// answerChunk is the text of chunk i of chat n's answer: unique within the run, so a
// chunk delivered to the wrong chat, twice, or out of order shows in the text.
func answerChunk(n, i int) string { return fmt.Sprintf(" c%d.w%d", n, i) }

// startProvider listens on addr (port 0: a free one) and answers model modelID.
func startProvider(addr, modelID string, ttft, interval time.Duration, chunks int) (*provider, error) {
	p := &provider{ttft: ttft, interval: interval, chunks: chunks, chats: map[int]*chat{}, byReq: map[int]*chat{}}
	srv, err := llmtest.Listen(addr, llmtest.Options{
		Models:          []string{modelID},
		Reply:           p.reply,
		FirstTokenDelay: ttft,
		ChunkInterval:   interval,
		OnRequest:       p.onRequest,
		OnChunk:         p.onChunk,
		OnEnd:           p.onEnd,
	})
	if err != nil {
		return nil, err
	}
	p.srv = srv
	return p, nil
}

func (p *provider) URL() string { return p.srv.URL() }
func (p *provider) Close()      { p.srv.Close() }

// register makes the provider recognise chat c's requests.
func (p *provider) register(c *chat) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.chats[c.n] = c
}

// chatOf finds the chat whose message is the last user message of r.
func (p *provider) chatOf(r llmtest.Request) *chat {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role != "user" {
			continue
		}
		m := contentRE.FindStringSubmatch(r.Messages[i].Content)
		if m == nil {
			return nil
		}
		n, _ := strconv.Atoi(m[1])
		return p.chats[n]
	}
	return nil
}

func (p *provider) onRequest(index int, r llmtest.Request, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.chatOf(r)
	if c == nil || !r.Stream {
		p.unexpected++
		return
	}
	c.prov.requests++
	if c.prov.requests > 1 {
		return // a retry: its chunks are not the ones measured
	}
	p.byReq[index] = c
	c.prov.arrived = at
	c.prov.texts = make([]string, 0, p.chunks)
	c.prov.emitted = make([]time.Time, 0, p.chunks)
}

func (p *provider) reply(r llmtest.Request) string {
	p.mu.Lock()
	c := p.chatOf(r)
	p.mu.Unlock()
	if c == nil {
		return " not a chat of this benchmark"
	}
	var b strings.Builder
	for i := range p.chunks {
		b.WriteString(answerChunk(c.n, i))
	}
	return b.String()
}

func (p *provider) onChunk(request, chunk int, text string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	c := p.byReq[request]
	if c == nil || chunk != len(c.prov.texts) {
		return
	}
	c.prov.texts = append(c.prov.texts, text)
	c.prov.emitted = append(c.prov.emitted, at)
}

func (p *provider) onEnd(request int, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.byReq[request]; c != nil {
		c.prov.end = at
	}
}

// side returns a copy of what the provider recorded about c.
func (p *provider) side(c *chat) providerSide {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := c.prov
	s.texts = append([]string(nil), s.texts...)
	s.emitted = append([]time.Time(nil), s.emitted...)
	return s
}

// sentChunks is how many chunks the provider has sent, of every chat.
func (p *provider) sentChunks() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

func (p *provider) unexpectedRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unexpected
}
