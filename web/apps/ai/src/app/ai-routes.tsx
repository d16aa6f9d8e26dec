import { Route, Routes } from 'react-router';
import { AiLayout } from './ai-layout.tsx';

export interface AiRoutesProps {
  /** Where the app is mounted, e.g. "/ai". */
  basePath: string;
  /** Re-read the limits this often (ms); 0 for never. */
  limitsEveryMs?: number;
}

/** The app's routes below its mount point: a new chat, or `:conversationId`. */
export function AiRoutes({ basePath, limitsEveryMs }: AiRoutesProps) {
  const base = basePath.replace(/\/+$/, '');
  return (
    <Routes>
      <Route
        path=":conversationId?"
        element={<AiLayout basePath={base} {...(limitsEveryMs === undefined ? {} : { limitsEveryMs })} />}
      />
    </Routes>
  );
}
