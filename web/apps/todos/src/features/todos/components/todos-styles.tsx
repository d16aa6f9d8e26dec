// Rules that inline styles cannot express (hover, focus-within, drag feedback). Rendered
// by the view itself, so the remote needs no separate stylesheet in the shell.
const css = `
.fs-todos { max-width: 720px; }
.fs-todos-list { list-style: none; padding: 0; margin: 0; border-top: 1px solid #e5e7eb; }
.fs-todos-item { display: flex; flex-direction: column; gap: 4px; padding: 8px 0; border-bottom: 1px solid #e5e7eb; }
.fs-todos-item[data-drop='before'] { box-shadow: inset 0 2px 0 #2563eb; }
.fs-todos-item[data-drop='after'] { box-shadow: inset 0 -2px 0 #2563eb; }
.fs-todos-item[data-dragging='true'] { opacity: 0.5; }
.fs-todos-row { display: flex; align-items: center; gap: 8px; }
.fs-todos-title { flex: 1; cursor: text; word-break: break-word; }
.fs-todos-item[data-completed='true'] .fs-todos-title { text-decoration: line-through; color: #6b7280; }
.fs-todos-hover { opacity: 0; transition: opacity 0.1s; }
.fs-todos-item:hover .fs-todos-hover, .fs-todos-item:focus-within .fs-todos-hover { opacity: 1; }
.fs-todos-handle { cursor: grab; border: none; background: none; color: #9ca3af; font: inherit; padding: 0 4px; }
.fs-todos-icon { border: 1px solid transparent; background: none; color: #4b5563; border-radius: 4px; font: inherit; padding: 0 6px; cursor: pointer; }
.fs-todos-icon:hover:not(:disabled), .fs-todos-icon:focus-visible { border-color: #d1d5db; }
.fs-todos-icon:disabled { opacity: 0.3; cursor: default; }
.fs-todos-destroy { color: #b91c1c; }
.fs-todos-meta { display: flex; flex-wrap: wrap; gap: 6px; margin-left: 52px; font-size: 13px; color: #4b5563; }
.fs-todos-chips { display: flex; flex-wrap: wrap; gap: 4px; list-style: none; padding: 0; margin: 0; }
.fs-todos-chip { background: #eef2ff; color: #3730a3; border-radius: 999px; padding: 0 8px; display: inline-flex; align-items: center; gap: 2px; }
.fs-todos-badge { border-radius: 4px; padding: 0 6px; background: #f3f4f6; }
.fs-todos-badge[data-tone='overdue'] { background: #fee2e2; color: #991b1b; font-weight: 600; }
.fs-todos-badge[data-tone='HIGH'] { background: #fee2e2; color: #991b1b; }
.fs-todos-badge[data-tone='MEDIUM'] { background: #fef3c7; color: #92400e; }
.fs-todos-badge[data-tone='LOW'] { background: #ecfdf5; color: #065f46; }
.fs-todos-footer { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; padding: 8px 0; color: #4b5563; font-size: 14px; }
.fs-todos-filters { display: flex; gap: 4px; list-style: none; padding: 0; margin: 0; }
.fs-todos-filters a { padding: 2px 8px; border: 1px solid transparent; border-radius: 4px; color: inherit; text-decoration: none; }
.fs-todos-filters a[aria-current='page'] { border-color: #93c5fd; color: #1d4ed8; }
.fs-todos-fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px 12px; margin: 8px 0; }
.fs-todos-fields label { display: flex; flex-direction: column; gap: 4px; font-size: 14px; font-weight: 600; }
.fs-todos-fields input, .fs-todos-fields select, .fs-todos-fields textarea, .fs-todos-edit {
  font: inherit; font-weight: 400; padding: 4px 6px; border: 1px solid #d1d5db; border-radius: 6px;
}
.fs-todos-wide { grid-column: 1 / -1; }
.fs-todos-edit { flex: 1; }
.fs-todos-details { margin-left: 52px; padding: 8px; border: 1px solid #e5e7eb; border-radius: 6px; background: #f9fafb; }
.fs-todos-notes { margin: 0 0 0 52px; white-space: pre-wrap; color: #374151; font-size: 14px; }
`;

export function TodosStyles() {
  return <style>{css}</style>;
}
