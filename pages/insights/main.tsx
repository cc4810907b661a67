import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentRoot } from '../workspace/FluentRoot';
import { InsightsPage } from './InsightsPage';

/** Bot insights and queue analytics, `/insights` (GET /api/insights is everything it reads). */
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <FluentRoot>
      <InsightsPage />
    </FluentRoot>
  </StrictMode>,
);
