#pragma once

// Every mock of the core interfaces, for tests that want them all.
#include "spread/testing/mock_executor.h"
#include "spread/testing/mock_publisher.h"
#include "spread/testing/mock_subscriber.h"
#include "spread/testing/mock_topic.h"
#include "spread/testing/mock_topic_registry.h"
