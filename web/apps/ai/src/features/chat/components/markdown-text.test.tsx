import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MarkdownText } from './markdown-text.tsx';

describe('MarkdownText', () => {
  it('shows paragraphs, line breaks, lists, headings and quotes', () => {
    const { container } = render(
      <MarkdownText text={'# Plan\n\nFirst line\nsecond line\n\n- milk\n- bread\n  (wholemeal)\n\n1. one\n2. two\n\n> quoted'} />,
    );
    expect(screen.getByRole('heading', { name: 'Plan' })).toBeInTheDocument();
    const paragraphs = container.querySelectorAll('p');
    expect(paragraphs).toHaveLength(1);
    expect(paragraphs[0]!.innerHTML).toBe('First line<br>second line');
    const lists = screen.getAllByRole('list');
    expect(lists[0]!.tagName).toBe('UL');
    expect([...lists[0]!.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['milk', 'bread (wholemeal)']);
    expect(lists[1]!.tagName).toBe('OL');
    expect(container.querySelector('blockquote')).toHaveTextContent('quoted');
  });

  it('puts code blocks in <pre><code>, keeping their text exactly', () => {
    const code = 'const a = 1;\n\nif (a < 2 && b > 3) {\n  print("<b>")\n}';
    const { container } = render(<MarkdownText text={`Try this:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.`} />);
    const pre = container.querySelector('pre > code');
    expect(pre).not.toBeNull();
    expect(pre!.textContent).toBe(code);
    expect(pre).toHaveAttribute('data-language', 'ts');
    expect(container.querySelector('pre b')).toBeNull();
    expect(screen.getByText('Done.')).toBeInTheDocument();
  });

  it('runs an unterminated code block (an answer still being written) to the end', () => {
    const { container } = render(<MarkdownText text={'```\nline 1\nline 2'} />);
    expect(container.querySelector('pre > code')!.textContent).toBe('line 1\nline 2');
  });

  it('formats inline code, bold, italics and http(s) links', () => {
    const { container } = render(
      <MarkdownText text={'Use `npm i` **now**, *really*: see [the docs](https://example.com/docs) or https://example.org.'} />,
    );
    expect(container.querySelector('code')).toHaveTextContent('npm i');
    expect(container.querySelector('strong')).toHaveTextContent('now');
    expect(container.querySelector('em')).toHaveTextContent('really');
    const docs = screen.getByRole('link', { name: 'the docs' });
    expect(docs).toHaveAttribute('href', 'https://example.com/docs');
    expect(docs).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    expect(screen.getByRole('link', { name: 'https://example.org' })).toHaveAttribute('href', 'https://example.org/');
  });

  it('shows HTML as text and never creates its elements', () => {
    const evil = '<script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a> <b>bold?</b>';
    const { container } = render(<MarkdownText text={evil} />);
    expect(container.querySelector('script, img, b')).toBeNull();
    expect(container.querySelector('a')).toBeNull();
    expect(container.textContent).toBe(evil);
  });

  it('does not link a javascript: or data: URL written as Markdown', () => {
    const { container } = render(<MarkdownText text={'[click](javascript:alert(1)) and [x](data:text/html,hi)'} />);
    expect(container.querySelector('a')).toBeNull();
    expect(container.textContent).toBe('[click](javascript:alert(1)) and [x](data:text/html,hi)');
  });

  it('keeps HTML inside code as text', () => {
    const { container } = render(<MarkdownText text={'`<img src=x onerror=alert(1)>`'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('code')!.textContent).toBe('<img src=x onerror=alert(1)>');
  });
});
