// The server marks its pages in development mode (-dev, what `make run` starts), where GraphiQL is served
// and the demo accounts exist (index.html's tradeguard-graphiql tag).
export const devMode = document.querySelector<HTMLMetaElement>('meta[name="tradeguard-graphiql"]')?.content === 'on';
