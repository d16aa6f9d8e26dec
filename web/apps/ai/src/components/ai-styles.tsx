// The assistant's styles, rendered by the page itself so the remote needs no separate
// stylesheet in the shell. Every class starts with fs-ai- so nothing leaks into the shell.
const css = `
.fs-ai { display: grid; grid-template-columns: minmax(220px, 300px) 1fr; gap: 24px; align-items: start; }
@media (max-width: 800px) { .fs-ai { grid-template-columns: 1fr; } }
.fs-ai-side { display: flex; flex-direction: column; gap: 16px; min-width: 0; }
.fs-ai-side h3 { margin: 0 0 4px; font-size: 15px; }
.fs-ai-panel { border-top: 1px solid #e5e7eb; padding-top: 12px; }
.fs-ai-hint { color: #6b7280; font-size: 13px; }
.fs-ai-hint[data-tone='error'] { color: #b91c1c; }
.fs-ai-search { width: 100%; box-sizing: border-box; font: inherit; padding: 6px 8px; border: 1px solid #d1d5db; border-radius: 6px; }
.fs-ai-conversations { display: flex; flex-direction: column; gap: 8px; }
.fs-ai-conversation-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; max-height: 45vh; overflow-y: auto; }
.fs-ai-conversation { padding: 6px 8px; border-radius: 6px; }
.fs-ai-conversation[data-selected] { background: #eff6ff; }
.fs-ai-conversation:hover { background: #f3f4f6; }
.fs-ai-conversation[data-selected]:hover { background: #dbeafe; }
.fs-ai-conversation-link { display: flex; flex-direction: column; color: inherit; text-decoration: none; }
.fs-ai-conversation-title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 500; }
.fs-ai-snippet { margin: 2px 0; font-size: 13px; color: #374151; }
.fs-ai-snippet mark { background: #fef08a; }
.fs-ai-hover { opacity: 0.0; transition: opacity 0.1s; }
.fs-ai-conversation:hover .fs-ai-hover, .fs-ai-conversation:focus-within .fs-ai-hover, .fs-ai-conversation[data-selected] .fs-ai-hover { opacity: 1; }
.fs-ai-actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 4px; }
.fs-ai-link-button { border: none; background: none; padding: 0; font: inherit; font-size: 13px; color: #2563eb; cursor: pointer; }
.fs-ai-link-button[data-tone='danger'] { color: #b91c1c; }
.fs-ai-link-button:disabled { color: #9ca3af; cursor: default; }
.fs-ai-link-button:focus-visible { outline: 2px solid #93c5fd; border-radius: 2px; }
.fs-ai-confirm { display: inline-flex; gap: 8px; font-size: 13px; align-items: center; flex-wrap: wrap; }
.fs-ai-rename { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.fs-ai-rename input { flex: 1; min-width: 0; font: inherit; padding: 2px 6px; border: 1px solid #d1d5db; border-radius: 4px; }
.fs-ai-field-error { color: #b91c1c; font-size: 13px; width: 100%; }
.fs-ai-chat { display: flex; flex-direction: column; height: calc(100vh - 150px); min-height: 420px; min-width: 0; }
.fs-ai-chat-head { display: flex; align-items: baseline; gap: 12px; border-bottom: 1px solid #e5e7eb; }
.fs-ai-chat-head h2 { margin: 0 0 8px; font-size: 20px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.fs-ai-scroll { flex: 1; overflow-y: auto; padding: 12px 4px; }
.fs-ai-welcome { color: #374151; }
.fs-ai-messages { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 16px; }
.fs-ai-message { max-width: 820px; }
.fs-ai-message[data-role='user'] { align-self: flex-end; background: #eff6ff; border-radius: 12px; padding: 8px 12px; max-width: 80%; }
.fs-ai-message-head { display: flex; gap: 8px; align-items: center; font-size: 13px; color: #6b7280; margin-bottom: 2px; }
.fs-ai-author { font-weight: 600; color: #374151; }
.fs-ai-user-text { white-space: pre-wrap; word-break: break-word; }
.fs-ai-markdown { word-break: break-word; line-height: 1.5; }
.fs-ai-markdown > :first-child { margin-top: 0; }
.fs-ai-markdown p { margin: 0 0 8px; }
.fs-ai-markdown code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; background: #f3f4f6; border-radius: 4px; padding: 0 3px; }
.fs-ai-code { background: #111827; color: #f9fafb; border-radius: 8px; padding: 10px 12px; overflow-x: auto; margin: 0 0 8px; }
.fs-ai-code code { background: none; padding: 0; color: inherit; white-space: pre; }
.fs-ai-markdown blockquote { margin: 0 0 8px; padding-left: 10px; border-left: 3px solid #d1d5db; color: #4b5563; }
.fs-ai-markdown ul, .fs-ai-markdown ol { margin: 0 0 8px; padding-left: 24px; }
.fs-ai-markdown h4, .fs-ai-markdown h5, .fs-ai-markdown h6 { margin: 8px 0 4px; }
.fs-ai-meta { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 4px 0 0; font-size: 13px; color: #6b7280; }
.fs-ai-failed { margin: 4px 0 0; color: #991b1b; }
.fs-ai-empty { color: #9ca3af; font-style: italic; margin: 0; }
.fs-ai-citations { font-size: 13px; color: #4b5563; margin-top: 4px; }
.fs-ai-citations ol { list-style: none; margin: 2px 0 0; padding: 0; }
.fs-ai-badge { display: inline-block; border-radius: 999px; padding: 0 8px; font-size: 12px; font-weight: 600; background: #f3f4f6; color: #374151; line-height: 20px; }
.fs-ai-badge[data-tone='offline'] { background: #fef3c7; color: #92400e; }
.fs-ai-badge[data-tone='cached'] { background: #ecfdf5; color: #065f46; }
.fs-ai-badge[data-tone='warning'] { background: #ffedd5; color: #9a3412; }
.fs-ai-badge[data-tone='error'] { background: #fee2e2; color: #991b1b; }
.fs-ai-composer { border-top: 1px solid #e5e7eb; padding-top: 8px; display: flex; flex-direction: column; gap: 6px; }
.fs-ai-composer textarea, .fs-ai-edit textarea { font: inherit; padding: 8px; border: 1px solid #d1d5db; border-radius: 8px; resize: vertical; min-height: 3em; }
.fs-ai-composer textarea[aria-invalid='true'] { border-color: #dc2626; }
.fs-ai-edit { display: flex; flex-direction: column; gap: 4px; min-width: 320px; }
.fs-ai-composer-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.fs-ai-composer-row .fs-ai-hint { flex: 1; }
.fs-ai-model { display: inline-flex; gap: 6px; align-items: center; font-size: 14px; }
.fs-ai-model select { font: inherit; padding: 4px; border: 1px solid #d1d5db; border-radius: 6px; max-width: 280px; }
.fs-ai-model-name { font-size: 12px; }
.fs-ai-limits { display: grid; grid-template-columns: 1fr auto; gap: 2px 8px; margin: 0; font-size: 13px; }
.fs-ai-limits dt { color: #6b7280; }
.fs-ai-limits dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.fs-ai-upload { display: inline-block; font-size: 14px; font-weight: 600; margin: 4px 0; }
.fs-ai-file { font-size: 13px; max-width: 100%; }
.fs-ai-documents { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-direction: column; gap: 6px; font-size: 14px; }
.fs-ai-documents li { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.fs-ai-document-name { font-weight: 500; word-break: break-all; }
`;

export function AiStyles() {
  return <style>{css}</style>;
}
