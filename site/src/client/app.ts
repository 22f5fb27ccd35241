console.log('x'); export {};
