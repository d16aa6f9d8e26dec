import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppLayout } from '../components/layout/app-layout.tsx';
import { RequireSession } from '../components/layout/require-session.tsx';
import { HomeRoute } from './routes/home.tsx';
import { LoginRoute } from './routes/login.tsx';
import { NotFoundRoute } from './routes/not-found.tsx';
import { SignupRoute } from './routes/signup.tsx';
import { TodosRoute } from './routes/todos.tsx';

const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <HomeRoute /> },
      { path: 'login', element: <LoginRoute /> },
      { path: 'signup', element: <SignupRoute /> },
      {
        path: 'todos/*',
        element: (
          <RequireSession>
            <TodosRoute />
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
