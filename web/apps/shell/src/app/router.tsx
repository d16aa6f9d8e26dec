import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppLayout } from '../components/layout/app-layout.tsx';
import { RequireSession } from '../components/layout/require-session.tsx';
import { AiRoute } from './routes/ai.tsx';
import { ForgotPasswordRoute } from './routes/forgot-password.tsx';
import { HomeRoute } from './routes/home.tsx';
import { LoginRoute } from './routes/login.tsx';
import { NotFoundRoute } from './routes/not-found.tsx';
import { ResetPasswordRoute } from './routes/reset-password.tsx';
import { SignupRoute } from './routes/signup.tsx';
import { TodosRoute } from './routes/todos.tsx';
import { VerifyEmailRoute } from './routes/verify-email.tsx';

const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <HomeRoute /> },
      { path: 'login', element: <LoginRoute /> },
      { path: 'signup', element: <SignupRoute /> },
      // The links the auth service mails (PUBLIC_URL + path), and the form asking for one.
      { path: 'verify-email', element: <VerifyEmailRoute /> },
      { path: 'reset-password', element: <ResetPasswordRoute /> },
      { path: 'forgot-password', element: <ForgotPasswordRoute /> },
      {
        path: 'todos/*',
        element: (
          <RequireSession>
            <TodosRoute />
          </RequireSession>
        ),
      },
      {
        // The assistant remote routes inside: /ai (a new chat) and /ai/:conversationId.
        path: 'ai/*',
        element: (
          <RequireSession>
            <AiRoute />
          </RequireSession>
        ),
      },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
