import { Fragment, type ReactNode } from 'react';
import { parseBlocks, parseInline, safeHref, type Block, type Inline } from '../utils/markdown.ts';

function renderInline(pieces: Inline[]): ReactNode[] {
  return pieces.map((piece, i) => {
    switch (piece.type) {
      case 'text':
        return <Fragment key={i}>{piece.text}</Fragment>;
      case 'code':
        return <code key={i}>{piece.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInline(piece.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(piece.children)}</em>;
      case 'link': {
        const href = safeHref(piece.href);
        if (!href) return <Fragment key={i}>{renderInline(piece.children)}</Fragment>;
        return (
          <a key={i} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(piece.children)}
          </a>
        );
      }
    }
  });
}

const inline = (text: string) => renderInline(parseInline(text));

function renderBlock(block: Block, key: number): ReactNode {
  switch (block.type) {
    case 'paragraph':
      return (
        <p key={key}>
          {block.lines.map((line, i) => (
            <Fragment key={i}>
              {i > 0 ? <br /> : null}
              {inline(line)}
            </Fragment>
          ))}
        </p>
      );
    case 'heading': {
      // Inside a chat message, headings stay small: h4-h6.
      const Tag = (['h4', 'h4', 'h5', 'h5', 'h6', 'h6'] as const)[block.level - 1] ?? 'h6';
      return <Tag key={key}>{inline(block.text)}</Tag>;
    }
    case 'code':
      return (
        <pre key={key} className="fs-ai-code">
          <code data-language={block.language || undefined}>{block.text}</code>
        </pre>
      );
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{inline(item)}</li>);
      return block.ordered ? (
        <ol key={key} start={block.start === 1 ? undefined : block.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'quote':
      return (
        <blockquote key={key}>
          {block.lines.map((line, i) => (
            <Fragment key={i}>
              {i > 0 ? <br /> : null}
              {inline(line)}
            </Fragment>
          ))}
        </blockquote>
      );
  }
}

/**
 * An answer's text as formatted text: paragraphs, code blocks in <pre><code>, lists,
 * quotes, headings, inline code, bold, italics and http(s) links. Everything is rendered
 * as React text nodes, so HTML in the answer shows as written and never runs.
 */
export function MarkdownText({ text }: { text: string }) {
  return <div className="fs-ai-markdown">{parseBlocks(text).map(renderBlock)}</div>;
}
