// Prettier: the settings closest to the code as written (single quotes, lines up to ~160 columns, trailing commas);
// `npm run format` applies them, `npm run lint` checks them. What is not formatted is in .prettierignore.
export default {
  singleQuote: true,
  printWidth: 160,
  trailingComma: 'all',
};
