import { useCallback } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { LoginDocument, SignupDocument, type LoginInput, type SignupInput } from '../../../lib/gql/graphql.ts';
import { useAuthStore, type Session } from '../../../lib/auth-store.ts';

export type SignInResult = { session: Session; error?: undefined } | { session?: undefined; error: string };

/** A user-facing message for a failed call: the server's first error, or a network hint. */
export function errorMessage(error: CombinedError): string {
  const first = error.graphQLErrors[0];
  if (first) return first.message;
  if (error.networkError) return 'Could not reach the server. Check your connection and try again.';
  return error.message;
}

/** `signup` and `login`: on success the session goes to the in-memory auth store. */
export function useSignInMutations() {
  const signIn = useAuthStore((s) => s.signIn);
  const [signupState, signupMutation] = useMutation(SignupDocument);
  const [loginState, loginMutation] = useMutation(LoginDocument);

  const signup = useCallback(
    async (input: SignupInput): Promise<SignInResult> => {
      const result = await signupMutation({ input });
      if (result.data) {
        signIn(result.data.signup);
        return { session: result.data.signup };
      }
      return { error: result.error ? errorMessage(result.error) : 'Sign-up failed.' };
    },
    [signupMutation, signIn],
  );

  const login = useCallback(
    async (input: LoginInput): Promise<SignInResult> => {
      const result = await loginMutation({ input });
      if (result.data) {
        signIn(result.data.login);
        return { session: result.data.login };
      }
      return { error: result.error ? errorMessage(result.error) : 'Sign-in failed.' };
    },
    [loginMutation, signIn],
  );

  return { signup, login, busy: signupState.fetching || loginState.fetching };
}
