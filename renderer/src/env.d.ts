// Module types the bundler provides.
declare module '*.css';
