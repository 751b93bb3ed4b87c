import { defineErrors } from '@microshop/kit';

export const identityErrors = defineErrors({
  EMAIL_TAKEN: { status: 409, title: 'That email is already registered' },
  BAD_CREDENTIALS: { status: 401, title: 'Wrong email or password' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
});
