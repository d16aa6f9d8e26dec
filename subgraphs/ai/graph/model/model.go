// Package model holds the Go types of the ai schema's federation entities. gqlgen's
// federation plugin needs every entity's Go type to have an IsEntity method (to be a member
// of the _Entity union); the domain types do not, so each entity wraps its domain value,
// whose fields gqlgen reads through the embedding.
package model

import "fedstack/subgraphs/ai"

// Conversation is the Conversation entity.
type Conversation struct{ *ai.Conversation }

// IsEntity marks Conversation as a federation entity.
func (Conversation) IsEntity() {}

// Message is the Message entity.
type Message struct{ *ai.Message }

// IsEntity marks Message as a federation entity.
func (Message) IsEntity() {}

// Document is the AiDocument entity.
type Document struct{ *ai.Document }

// IsEntity marks Document as a federation entity.
func (Document) IsEntity() {}

// Conv wraps c (nil stays nil).
func Conv(c *ai.Conversation) *Conversation {
	if c == nil {
		return nil
	}
	return &Conversation{c}
}

// Msg wraps m (nil stays nil).
func Msg(m *ai.Message) *Message {
	if m == nil {
		return nil
	}
	return &Message{m}
}

// Doc wraps d (nil stays nil).
func Doc(d *ai.Document) *Document {
	if d == nil {
		return nil
	}
	return &Document{d}
}

// Convs wraps every conversation of list (never nil).
func Convs(list []*ai.Conversation) []*Conversation { return wrapAll(list, Conv) }

// Msgs wraps every message of list (never nil).
func Msgs(list []*ai.Message) []*Message { return wrapAll(list, Msg) }

// Docs wraps every document of list (never nil).
func Docs(list []*ai.Document) []*Document { return wrapAll(list, Doc) }

func wrapAll[T, W any](list []*T, wrap func(*T) *W) []*W {
	out := make([]*W, len(list))
	for i, v := range list {
		out[i] = wrap(v)
	}
	return out
}
