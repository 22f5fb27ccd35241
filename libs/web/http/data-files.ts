import express, { type NextFunction, type Request, type Response } from 'express';
import { extname } from 'node:path';

const SERVED = new Set(['.png', '.jpg', '.jpeg', '.webp', '.json']);

/**
 * Serves the files of one data folder (runs or datasets) under a URL prefix: images and JSON sidecars
 * only (never the database), no dotfiles, no path outside the folder. Anything else is a JSON 404.
 * `fetch` brings a file another process of the team wrote into the folder first (team mode).
 */
export function dataFiles(root: string, fetch: (path: string) => Promise<unknown> = () => Promise.resolve()) {
  const files = express.static(root, {
    dotfiles: 'deny',
    index: false,
    redirect: false,
    fallthrough: true,
    maxAge: 0,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      return res.status(400).json({ error: 'Malformed path' });
    }
    if (path.split('/').some((part) => part === '..' || part.startsWith('.')) || path.includes('\0')) {
      return res.status(400).json({ error: 'Path must stay inside the folder' });
    }
    if (!SERVED.has(extname(path).toLowerCase()))
      return res.status(404).json({ error: `Not found: ${req.originalUrl.slice(0, 200)}` });
    fetch(path.replace(/^\//, '')).then(() => {
      void files(req, res, (error?: unknown) => {
        if (error) return next(error);
        res.status(404).json({ error: `Not found: ${req.originalUrl.slice(0, 200)}` });
      });
    }, next);
  };
}
